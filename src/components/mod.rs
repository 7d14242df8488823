//! UI pieces shared by every feature.

mod avatar;
mod form;
mod layout;
mod pages;
mod table;
mod time;

pub use avatar::Avatar;
pub use form::{
    Field, FormAlert, LoadError, SelectField, Submit, SuccessNote, TextArea, action_error,
    reset_on_success,
};
pub use layout::{Auth, Layout, use_auth};
pub use pages::{Guard, NotFoundPage};
pub use table::{DataTable, col, num};
pub use time::Time;
