int sum(const int *v, int n);
int sum_scaled(const int *v, int n);
void *other_scaled_ptr(void);
const char *impl_kind(void);
extern int resolver_calls;
