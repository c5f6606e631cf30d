/* Reads /proc/self/maps while running from hotlink's image and reports
 * every mapping of the image (the memfd view, the RW alias, the private data
 * part that follows the view) that is writable and executable at once, and
 * from what kind of page main runs. Node's own V8 code space is RWX by V8's
 * design; it lies outside the image and is reported separately. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

int main(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int wx = 0, other_wx = 0, image_rx = 0, views = 0, aliases = 0;
    uintptr_t self = (uintptr_t)&main;
    /* The image: within 1 GiB above main (view classes, then the private data part). */
    uintptr_t image_lo = self - (self % 4096) - (64u << 20), image_hi = self + (1ul << 30);
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
        int in_image = strstr(line, "memfd:hotlink-image") != NULL || (hi > image_lo && lo < image_hi);
        if (perms[1] == 'w' && perms[2] == 'x') {
            if (in_image) {
                wx++;
                printf("WX: %s", line);
            } else {
                other_wx++;
            }
        }
        /* The view (at the image address: r-x, r--, never writable) and the RW alias (elsewhere) are
         * both memfd mappings; the view alone is several lines (one per class), so tell them apart
         * by their permissions. */
        if (strstr(line, "memfd:hotlink-image")) {
            if (perms[1] == 'w') aliases++;
            else if (perms[0] == 'r') views++;
        }
        if (self >= lo && self < hi) {
            printf("main is in a %s mapping%s\n", perms, strstr(line, "memfd:hotlink-image") ? " of the image" : "");
            if (perms[0] == 'r' && perms[1] == '-' && perms[2] == 'x') image_rx = 1;
        }
    }
    fclose(f);
    printf("writable+executable mappings of the image: %d\n", wx);
    fprintf(stderr, "(outside the image, e.g. V8's code space: %d)\n", other_wx);
    printf("main runs from r-x: %s\n", image_rx ? "yes" : "no");
    printf("image mappings: %s (%s view, %s RW alias)\n", views && aliases ? "view and alias" : "missing", views ? "a" : "no", aliases ? "an" : "no");
    return wx != 0;
}
