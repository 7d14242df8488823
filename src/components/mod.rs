//! UI pieces shared by every feature.

mod avatar;
mod form;
mod layout;
mod pages;

pub use avatar::Avatar;
pub use form::{Field, FormAlert, SuccessNote, action_error, reset_on_success};
pub use layout::{Auth, Layout, use_auth};
pub use pages::{Guard, NotFoundPage};
