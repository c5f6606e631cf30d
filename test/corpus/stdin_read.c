/* Reads standard input (the harness feeds the same text to both runs):
 * line count, word count, and each line reversed. */
#include <stdio.h>
#include <string.h>

int main(void) {
    char line[256];
    int lines = 0, words = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strcspn(line, "\n");
        line[len] = '\0';
        lines++;
        int in_word = 0;
        for (size_t i = 0; i < len; i++) {
            int space = line[i] == ' ' || line[i] == '\t';
            if (!space && !in_word) words++;
            in_word = !space;
        }
        printf("%d: ", lines);
        for (size_t i = len; i > 0; i--) putchar(line[i - 1]);
        putchar('\n');
    }
    printf("lines %d words %d eof %d\n", lines, words, feof(stdin) != 0);
    return 0;
}
