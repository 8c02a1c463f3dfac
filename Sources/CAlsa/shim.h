#ifndef IVRMEDIA_CALSA_SHIM_H
#define IVRMEDIA_CALSA_SHIM_H
#include <alsa/asoundlib.h>

/* Loads a self-contained ALSA configuration for snd_pcm_open_lconf, so that nothing global is read. */
static inline int calsa_load_config(const char *path, snd_config_t **out) {
    snd_config_t *top;
    snd_input_t *in;
    int err;
    if ((err = snd_config_top(&top)) < 0) return err;
    if ((err = snd_input_stdio_open(&in, path, "r")) < 0) { snd_config_delete(top); return err; }
    err = snd_config_load(top, in);
    snd_input_close(in);
    if (err < 0) { snd_config_delete(top); return err; }
    *out = top;
    return 0;
}

/* Which step of calsa_load_config_checked failed. */
typedef enum {
    CALSA_CONFIG_STAGE_TOP = 0,  /* snd_config_top */
    CALSA_CONFIG_STAGE_OPEN = 1, /* snd_input_stdio_open: the file is missing or unreadable */
    CALSA_CONFIG_STAGE_LOAD = 2  /* snd_config_load: the text does not parse */
} calsa_config_stage;

typedef struct {
    int result;               /* 0, or the negative error of the failing step */
    calsa_config_stage stage; /* the failing step (meaningless when result is 0) */
} calsa_config_status;

/* calsa_load_config, telling which step failed, so that a missing file and a syntax error can be told apart. */
static inline calsa_config_status calsa_load_config_checked(const char *path, snd_config_t **out) {
    calsa_config_status status = {0, CALSA_CONFIG_STAGE_TOP};
    snd_config_t *top;
    snd_input_t *in;
    if ((status.result = snd_config_top(&top)) < 0) return status;
    if ((status.result = snd_input_stdio_open(&in, path, "r")) < 0) {
        status.stage = CALSA_CONFIG_STAGE_OPEN;
        snd_config_delete(top);
        return status;
    }
    status.result = snd_config_load(top, in);
    snd_input_close(in);
    if (status.result < 0) {
        status.stage = CALSA_CONFIG_STAGE_LOAD;
        snd_config_delete(top);
        return status;
    }
    *out = top;
    status.result = 0;
    return status;
}
#endif
