//! PyO3 bindings (placeholder module file replaced below).
