// libopus for the seed Audio Connector's Opus frames (Sources/OpusCodec); Debian package libopus-dev.
#include <opus/opus.h>

// libopus's ctl requests (OPUS_SET_BITRATE(x) and friends) are variadic macros over the variadic
// opus_encoder_ctl / opus_decoder_ctl, which Swift cannot import. These helpers wrap the few the
// OpusCodec target uses; each returns libopus's status (OPUS_OK or a negative error code).

static inline int switchboard_opus_encoder_set_bitrate(OpusEncoder *encoder, opus_int32 bitsPerSecond) {
    return opus_encoder_ctl(encoder, OPUS_SET_BITRATE(bitsPerSecond));
}

static inline int switchboard_opus_encoder_get_bitrate(OpusEncoder *encoder, opus_int32 *bitsPerSecond) {
    return opus_encoder_ctl(encoder, OPUS_GET_BITRATE(bitsPerSecond));
}

static inline int switchboard_opus_encoder_set_complexity(OpusEncoder *encoder, opus_int32 complexity) {
    return opus_encoder_ctl(encoder, OPUS_SET_COMPLEXITY(complexity));
}

static inline int switchboard_opus_encoder_set_force_channels(OpusEncoder *encoder, opus_int32 channels) {
    return opus_encoder_ctl(encoder, OPUS_SET_FORCE_CHANNELS(channels));
}

static inline int switchboard_opus_encoder_set_signal_voice(OpusEncoder *encoder) {
    return opus_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
}

static inline int switchboard_opus_decoder_get_last_packet_duration(OpusDecoder *decoder, opus_int32 *samples) {
    return opus_decoder_ctl(decoder, OPUS_GET_LAST_PACKET_DURATION(samples));
}

static inline int switchboard_opus_decoder_reset(OpusDecoder *decoder) {
    return opus_decoder_ctl(decoder, OPUS_RESET_STATE);
}
