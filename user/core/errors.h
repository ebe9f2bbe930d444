/* SPDX-License-Identifier: GPL-2.0 */
/* vqmod's exit codes: each failure class has its own, documented in vqmod(8). */
#ifndef VQMOD_ERRORS_H
#define VQMOD_ERRORS_H

enum vqmod_exit {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,   /* failed while running: a syscall, a vanished map */
	EXIT_USAGE = 2,	    /* bad option, value or combination */
	EXIT_NOPERM = 3,    /* not allowed to use BPF (needs root or CAP_BPF+CAP_PERFMON) */
	EXIT_NOBTF = 4,	    /* no kernel BTF to relocate against */
	EXIT_NOFEATURE = 5, /* the kernel lacks what was asked for: no usable hook */
};

#endif
