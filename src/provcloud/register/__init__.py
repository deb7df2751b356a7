"""The official register of administrative units (the `vietnam-provinces` package) and the
province catalogues generated from it and kept in step with it."""
