const char used_data[] = "data from the used archive member";
int used_function(int x) { return x * x + 1; }
