/* libm through -lm: sin, cos, pow, sqrt, exp, log, ... printed as doubles.
 * Inputs are volatile so the calls are real calls into libm at -O2. */
#include <math.h>
#include <stdio.h>

static volatile double inputs[] = { 0.0, 0.5, 1.0, 2.0, 3.14159265358979, 10.0, 123.456 };

double poly(double x);

int main(void) {
    for (unsigned i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        double x = inputs[i];
        printf("x=%g sin=%.15g cos=%.15g sqrt=%.15g exp=%.15g\n", x, sin(x), cos(x), sqrt(x), exp(x));
        printf("  pow(x,1.5)=%.15g log1p=%.15g atan2=%.15g cbrt=%.15g poly=%.15g\n",
               pow(x, 1.5), log1p(x), atan2(x, 1.0 + x), cbrt(x), poly(x));
    }
    volatile double neg = -2.5, big = 1e300, tiny = 1e-310;
    printf("floor=%g ceil=%g fabs=%g fmod=%g round=%g trunc=%g\n",
           floor(neg), ceil(neg), fabs(neg), fmod(7.5, neg), round(neg), trunc(neg));
    printf("big*big=%g -big*big=%g tiny=%g sqrt(-1) is nan: %d\n", big * big, -big * big, tiny, isnan(sqrt(neg)));
    printf("hypot=%.17g log10=%.17g exp2=%.17g\n", hypot(3.0, inputs[5]), log10(inputs[6]), exp2(inputs[3]));
    float f = (float)inputs[4];
    printf("sinf=%.9g sqrtf=%.9g powf=%.9g\n", (double)sinf(f), (double)sqrtf(f), (double)powf(f, 2.0f));
    printf("%e %E %a %.0f %.10f\n", inputs[6], inputs[6], inputs[2], inputs[6], 1.0 / 3.0);
    return 0;
}
