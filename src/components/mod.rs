//! UI pieces shared by every feature.

mod avatar;
mod clock;
mod form;
pub mod html;
mod pages;
mod render;
mod shortcuts;
mod table;
mod time;

pub use avatar::{Avatar, avatar_html};
pub use clock::{Clock, provide_clock, use_clock};
pub use form::{
    Field, FormAlert, LoadError, SelectField, Submit, SuccessNote, TextArea, action_error,
    reset_on_success,
};
pub use pages::{MessagePage, NotFoundPage};
pub use render::{hydrated, past_dry_runs};
pub use shortcuts::{SHORTCUTS, ShortcutHelp, use_shortcuts};
pub use table::{DataTable, col, num};
#[cfg(feature = "hydrate")]
pub use time::localize_times;
pub use time::{Time, local_time, time_html};
