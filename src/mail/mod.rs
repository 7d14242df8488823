//! E-mail both ways (issue 23): the settings that say where mail goes and comes from. The
//! outbox, the sender and the poller build on these.

pub mod settings;
