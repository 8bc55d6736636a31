// libopus for the seed Audio Connector's Opus frames (Sources/OpusCodec); Debian package libopus-dev.
#include <opus/opus.h>
