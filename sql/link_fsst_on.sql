-- link_fsst_on: the default compression methods again (after link_fsst_off).
RESET disabled_compression_methods;
