// zlib for the store's document compression (Sources/Store/DocumentCodec.swift); Debian package zlib1g-dev.
#include <zlib.h>
