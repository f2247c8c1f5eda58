/*
 * mandelbrot.h - the mandelbrot kernel's row function, for its unit tests
 * (the drivers reach the kernel only through kernel_mandelbrot).
 */
#ifndef SCALEKIT_MANDELBROT_H
#define SCALEKIT_MANDELBROT_H

#include <stdint.h>

/* Escape counts of row y of a w x h image into out[0..w-1] (out may be
 * NULL); returns their sum. reference != 0 runs one pixel per escape loop
 * (what verify() uses), 0 the SIMD groups work() uses. Both must agree bit
 * for bit. */
uint64_t mandelbrot_row(int64_t y, int64_t w, int64_t h, uint32_t maxit, uint32_t *out,
                        int reference);

#endif
