#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"

enum { OPT_VERBOSE = 0x7f00, OPT_QUIET, OPT_HELP, OPT_USAGE };

static void print_completion(const struct poptOption *opt)
{
	for (; opt->longName || opt->shortName || opt->argInfo; opt++) {
		unsigned type = opt->argInfo & POPT_ARG_MASK;
		if (type == POPT_ARG_INCLUDE_TABLE) {
			print_completion(opt->arg);
			continue;
		}
		if (opt->argInfo & POPT_ARGFLAG_DOC_HIDDEN)
			continue;
		int takes_arg = type != POPT_ARG_NONE && type != POPT_ARG_VAL;
		if (opt->longName)
			printf("--%s%s\n", opt->longName, takes_arg ? "=" : "");
		if (opt->shortName)
			printf("-%c\n", opt->shortName);
	}
}

static void build_table(struct lb_cli *cli, const struct lb_cli_spec *spec)
{
	const struct poptOption common[] = {
		{"json", 0, POPT_ARG_NONE, &cli->json, 0,
		 "print one JSON object per line (the default when stdout is not a terminal)", NULL},
		{"text", 0, POPT_ARG_NONE, &cli->text, 0,
		 "print human-readable text even when stdout is not a terminal", NULL},
		{"verbose", 'v', POPT_ARG_NONE, NULL, OPT_VERBOSE,
		 "debug messages on stderr too", NULL},
		{"quiet", 'q', POPT_ARG_NONE, NULL, OPT_QUIET,
		 "fewer diagnostics: -q hides info, -qq hides warnings too", NULL},
		{"log-format", 0, POPT_ARG_STRING, &cli->log_format, 0,
		 "diagnostics as text (default) or json", "text|json"},
		{"version", 'V', POPT_ARG_NONE, &cli->version, 0, "print the version and exit", NULL},
		{"help", 'h', POPT_ARG_NONE, NULL, OPT_HELP, "show this help and exit", NULL},
		{"usage", 0, POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, OPT_USAGE, NULL, NULL},
		{"completion-helper", 0, POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN,
		 &cli->completion_helper, 0, NULL, NULL},
		POPT_TABLEEND,
	};
	_Static_assert(sizeof(common) == sizeof(cli->common), "common table size");
	memcpy(cli->common, common, sizeof(common));
	size_t n = 0;
	if (spec->options) {
		cli->table[n++] = (struct poptOption){NULL, 0, POPT_ARG_INCLUDE_TABLE,
						      (void *)spec->options, 0, "Options:", NULL};
	}
	cli->table[n++] = (struct poptOption){NULL, 0, POPT_ARG_INCLUDE_TABLE, cli->common, 0,
					      "Common options:", NULL};
	cli->table[n] = (struct poptOption)POPT_TABLEEND;
}

static void print_help(const struct lb_cli *cli, const struct lb_cli_spec *spec)
{
	printf("Usage: %s %s\n%s\n\n", spec->prog, spec->args, spec->summary);
	poptPrintHelp(cli->pc, stdout, 0);
	printf("\nExit status: 0 success, 1 negative answer, 2 usage or input error,\n"
	       "3 environment failure. See %s(%s) and lbkit(7).\n",
	       spec->prog, spec->man_section ? spec->man_section : "1");
}

void lb_cli_usage_error(const struct lb_cli *cli, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", cli->log.prog, msg,
		cli->log.prog);
	exit(LB_EXIT_USAGE);
}

void lb_cli_parse(struct lb_cli *cli, const struct lb_cli_spec *spec, int argc, const char **argv)
{
	struct lb_err err = {{0}};
	int rc;

	memset(cli, 0, sizeof(*cli));
	lb_log_init(&cli->log, spec->prog);
	build_table(cli, spec);
	cli->pc = poptGetContext(spec->prog, argc, argv, cli->table, 0);
	poptSetOtherOptionHelp(cli->pc, spec->args);

	while ((rc = poptGetNextOpt(cli->pc)) > 0) {
		const char *arg = poptGetOptArg(cli->pc);
		switch (rc) {
		case OPT_VERBOSE:
			cli->verbose++;
			break;
		case OPT_QUIET:
			cli->quiet++;
			break;
		case OPT_HELP:
			print_help(cli, spec);
			exit(LB_EXIT_OK);
		case OPT_USAGE:
			poptPrintUsage(cli->pc, stdout, 0);
			exit(LB_EXIT_OK);
		default:
			if (!spec->on_option || spec->on_option(spec->ctx, rc, arg, &err) < 0) {
				free((void *)arg);
				lb_cli_usage_error(cli, "%s", err.msg[0] ? err.msg : "unhandled option");
			}
		}
		free((void *)arg);
	}
	if (rc < -1) {
		lb_cli_usage_error(cli, "%s: %s", poptBadOption(cli->pc, POPT_BADOPTION_NOALIAS),
				   poptStrerror(rc));
	}
	if (cli->completion_helper) {
		print_completion(cli->table);
		for (const char *const *w = spec->words; w && *w; w++)
			printf("%s\n", *w);
		exit(LB_EXIT_OK);
	}
	if (cli->version) {
		printf("%s (lbkit) %s\n", spec->prog, LBKIT_VERSION);
		exit(LB_EXIT_OK);
	}
	if (cli->json && cli->text)
		lb_cli_usage_error(cli, "--json and --text exclude each other");
	if (cli->log_format) {
		if (!strcmp(cli->log_format, "json"))
			cli->log.json = 1;
		else if (strcmp(cli->log_format, "text"))
			lb_cli_usage_error(cli, "--log-format: '%s' is not text or json", cli->log_format);
		/* popt hands string arguments over to the caller, and nothing
		 * after this reads it. */
		free(cli->log_format);
		cli->log_format = NULL;
	}
	cli->log.level = LB_LOG_INFO + cli->verbose - cli->quiet;
	if (cli->log.level < LB_LOG_ERROR)
		cli->log.level = LB_LOG_ERROR;

	cli->args = poptGetArgs(cli->pc);
	static const char *const none[] = {NULL};
	if (!cli->args)
		cli->args = (const char **)none;
	while (cli->args[cli->nargs])
		cli->nargs++;
}

int lb_cli_json_output(const struct lb_cli *cli)
{
	if (cli->json)
		return 1;
	if (cli->text)
		return 0;
	return !isatty(STDOUT_FILENO);
}

int lb_cli_finish(struct lb_cli *cli, int code)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	if (failed && errno != EPIPE) {
		lb_warn(&cli->log, "standard output");
		if (code == LB_EXIT_OK)
			code = LB_EXIT_ENV;
	}
	if (cli->pc)
		poptFreeContext(cli->pc);
	cli->pc = NULL;
	return code;
}
