extern int main_value;

int other_value = 21;
int other_array[8] = { 0, 10, 20, 30, 40, 50, 60, 70 };
int *other_ptr_to_main = &main_value;

int other_fn(int x) { return x + other_array[1]; }
