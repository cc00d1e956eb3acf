/* The command-line conventions every lbkit tool shares: one popt table
 * (--help, --version, --json, --text, -v, -q, --log-format, and the hidden
 * --completion-helper that the shell completions ask), parsed in one place. */
#ifndef LB_CLI_H
#define LB_CLI_H

#include <popt.h>

#include "err.h"
#include "log.h"

struct lb_cli_spec {
	const char *prog;
	const char *args;    /* after the program name in the usage line */
	const char *summary; /* one line: what the tool does */
	const char *man_section; /* "1" or "8" */
	const struct poptOption *options; /* the tool's own table, POPT_TABLEEND-terminated */
	const char *const *words; /* subcommands offered to completion, NULL-terminated */
	/* Called for each option whose table entry has a non-zero val; returns
	 * -1 with err set for a bad value. */
	int (*on_option)(void *ctx, int val, const char *arg, struct lb_err *err);
	void *ctx;
};

struct lb_cli {
	struct lb_log log;
	int json;
	int text;
	const char **args; /* the operands left after the options, NULL-terminated */
	int nargs;
	/* private */
	int verbose, quiet, version, completion_helper;
	char *log_format;
	poptContext pc;
	struct poptOption common[10];
	struct poptOption table[3];
};

/* Parses argv. --help, --version and --completion-helper print and exit 0;
 * a usage error prints one line and exits 2 (this runs in main only). */
void lb_cli_parse(struct lb_cli *cli, const struct lb_cli_spec *spec, int argc, const char **argv);

/* JSON lines when --json, or when stdout is not a terminal and --text is absent. */
int lb_cli_json_output(const struct lb_cli *cli);

/* Exits with LB_EXIT_USAGE after a one-line message and a pointer to --help. */
_Noreturn void lb_cli_usage_error(const struct lb_cli *cli, const char *fmt, ...) LB_PRINTF(2, 3);

/* Flushes stdout and reports a write error; a closed pipe (EPIPE) is quiet.
 * Returns code unchanged, or LB_EXIT_ENV when output was lost. */
int lb_cli_finish(struct lb_cli *cli, int code);

#endif
