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
#endif
