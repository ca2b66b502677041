//! What scripts see of errors: a core error as a value a `catch` receives, and the token
//! `abort()` ends a script with.

use rhai::Engine;

/// Prefix of the termination token `abort()` raises.
pub const ABORT: &str = "abort: ";

/// An error of the core as a script catches it: printed as its message (with the help), and
/// with the kind the command line acts on, `e.kind`: `usage`, `not-found`, `conflict`,
/// `host` (a system command failed), `interrupted`, `registry`, `script` or `failed`;
/// `e.message` and `e.help` apart.
#[derive(Debug, Clone)]
pub struct ScriptError {
    pub kind: &'static str,
    /// The whole text: message, then the help in parentheses.
    pub text: String,
    pub message: String,
    pub help: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Makes [`ScriptError`] a type scripts can use.
pub fn register_error_type(engine: &mut Engine) {
    engine
        .register_type_with_name::<ScriptError>("ZmgrError")
        .register_get("kind", |e: &mut ScriptError| e.kind.to_string())
        .register_get("message", |e: &mut ScriptError| e.message.clone())
        .register_get("help", |e: &mut ScriptError| e.help.clone())
        .register_fn("to_string", |e: &mut ScriptError| e.text.clone())
        .register_fn("to_debug", |e: &mut ScriptError| e.text.clone());
}
