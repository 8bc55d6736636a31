// CMU PocketSphinx 5prealpha (the old API) for on-box keyword spotting (Sources/KeywordSpotting); Debian
// packages libpocketsphinx-dev (with libsphinxbase-dev) and pocketsphinx-en-us (the US English model).
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/cmd_ln.h>
#include <sphinxbase/logmath.h>
#include <stdarg.h>
#include <stdio.h>

// PocketSphinx logs through sphinxbase's err module: by default to stderr, through a variadic callback
// (err_cb_f) Swift can neither implement nor call. These helpers format each message in C and hand the
// finished line to a plain C function pointer, so the Swift side can route it to swift-log.

/// Receives one formatted log line: `level` is sphinxbase's err_lvl_t (ERR_DEBUG … ERR_FATAL).
typedef void (*switchboard_ps_log_fn)(int level, const char *message);

static inline void switchboard_ps_log_callback(void *user_data, err_lvl_t level, const char *format, ...) {
    char line[1024];
    va_list args;
    if (user_data == NULL) return;
    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    ((switchboard_ps_log_fn)user_data)((int)level, line);
}

/// Stops sphinxbase writing to stderr or any log file and sends every message to `sink` (NULL: drop them).
/// Process-wide: call once, before the first decoder is created.
static inline void switchboard_ps_route_log(switchboard_ps_log_fn sink) {
    err_set_logfp(NULL);
    err_set_callback(switchboard_ps_log_callback, (void *)sink);
}

/// A decoder configuration from name/value pairs (`-hmm`, path, …), over PocketSphinx's own argument
/// definitions; NULL when an argument is unknown or a value malformed (the reason is logged).
static inline cmd_ln_t *switchboard_ps_config(int argc, char **argv) {
    return cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
}
