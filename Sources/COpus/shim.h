#ifndef IVRMEDIA_COPUS_SHIM_H
#define IVRMEDIA_COPUS_SHIM_H
#include <opus/opus.h>

/* opus_encoder_ctl / opus_decoder_ctl are variadic, which Swift cannot call. */
static inline int copus_enc_set_bitrate(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_BITRATE(v)); }
static inline int copus_enc_set_inband_fec(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(v)); }
static inline int copus_enc_set_packet_loss_perc(OpusEncoder *e, opus_int32 v) {
    return opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(v));
}
static inline int copus_enc_set_complexity(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(v)); }
static inline int copus_enc_set_signal_voice(OpusEncoder *e) { return opus_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)); }
static inline int copus_dec_get_last_packet_duration(OpusDecoder *d, opus_int32 *v) {
    return opus_decoder_ctl(d, OPUS_GET_LAST_PACKET_DURATION(v));
}
static inline int copus_dec_reset(OpusDecoder *d) { return opus_decoder_ctl(d, OPUS_RESET_STATE); }
#endif
