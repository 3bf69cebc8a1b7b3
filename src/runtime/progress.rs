//! Progress on a terminal: the phase an action is in, its steps done of those it said were
//! coming, and a line per step as it ends. Off (every call a no-op) unless the command that
//! runs the action turns it on, which it does only when stderr is a terminal.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlua::Lua;

#[derive(Clone, Default)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar drawn on stderr.
    pub fn on_stderr(action: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {prefix} {msg} {pos}{len_sep}{len} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .with_key(
                "len_sep",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    if state.len().is_some() {
                        let _ = w.write_str("/");
                    }
                },
            );
        bar.set_style(style);
        bar.set_prefix(action.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }

    /// The progress of a runtime (off when none was set).
    pub fn of(lua: &Lua) -> Progress {
        lua.app_data_ref::<Progress>()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    pub fn phase(&self, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{name}:"));
        }
    }

    /// `count` more steps are coming (what "done of total" counts against).
    pub fn expect(&self, count: u64) {
        if let Some(bar) = &self.bar {
            let total = bar.length().unwrap_or(bar.position()) + count;
            bar.set_length(total);
        }
    }

    /// A step ended: a line above the bar, and one more done.
    pub fn step(&self, scope: &str, name: &str, failure: Option<&str>) {
        if let Some(bar) = &self.bar {
            let whose = if scope == crate::journal::SITE {
                String::new()
            } else {
                format!("{scope}: ")
            };
            match failure {
                None => bar.println(format!("  ok   {whose}{name}")),
                Some(why) => bar.println(format!(
                    "  FAIL {whose}{name}: {}",
                    why.lines().next().unwrap_or_default()
                )),
            }
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
