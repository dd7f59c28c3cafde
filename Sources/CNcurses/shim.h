#ifndef CONVTOP_NCURSES_SHIM_H
#define CONVTOP_NCURSES_SHIM_H
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <stdio.h>
#include <ncursesw/curses.h>

#include <langinfo.h>
static inline WINDOW *ct_stdscr(void) { return stdscr; }
/// Opens the terminal on the process's own stdout/stdin; NULL when there is no usable terminal.
static inline SCREEN *ct_newterm_stdio(void) { return newterm(NULL, stdout, stdin); }
static inline int ct_colors(void) { return COLORS; }
static inline const char *ct_codeset(void) { return nl_langinfo(CODESET); }
static inline int ct_lines(void) { return LINES; }
static inline int ct_cols(void) { return COLS; }
static inline int ct_key_f(int n) { return KEY_F(n); }
static inline attr_t ct_a_bold(void) { return A_BOLD; }
static inline attr_t ct_a_reverse(void) { return A_REVERSE; }
static inline attr_t ct_a_dim(void) { return A_DIM; }
static inline attr_t ct_a_normal(void) { return A_NORMAL; }
static inline mmask_t ct_mouse_mask_clicks(void) {
#ifdef BUTTON5_PRESSED
    return BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON4_PRESSED | BUTTON5_PRESSED;
#else
    return BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON4_PRESSED;
#endif
}
/// The wheel: 1 up (away from the user), -1 down, 0 neither.
static inline int ct_mouse_wheel(mmask_t s) {
#ifdef BUTTON5_PRESSED
    if (s & BUTTON5_PRESSED) return -1;
#endif
    return (s & BUTTON4_PRESSED) ? 1 : 0;
}
static inline int ct_mouse_button1(mmask_t s) { return (s & (BUTTON1_CLICKED | BUTTON1_PRESSED)) != 0; }
/// Draws one wide character with attributes and a colour pair at (y, x).
static inline int ct_put(int y, int x, wchar_t ch, attr_t attrs, short pair) {
    cchar_t c;
    wchar_t s[2] = { ch, 0 };
    setcchar(&c, s, attrs, pair, NULL);
    return mvadd_wch(y, x, &c);
}
#endif
