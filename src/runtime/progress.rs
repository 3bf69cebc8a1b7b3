//! Progress on a terminal: the phase an action is in and its steps done of those it said were
//! coming; for an action on nodes, how many nodes are in each state (a live count) and a bar
//! per phase (nodes through it of those that entered it); a line per step as it ends. Off
//! (every call a no-op) unless the command that runs the action turns it on, which it does
//! only when stderr is a terminal.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indexmap::IndexMap;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlua::Lua;

#[derive(Clone, Default)]
pub struct Progress {
    shown: Option<Arc<Shown>>,
}

struct Shown {
    multi: MultiProgress,
    main: ProgressBar,
    tally: Mutex<Tally>,
    /// One per phase, in the order phases began.
    bars: Mutex<IndexMap<String, ProgressBar>>,
}

/// Each node's state, and how many nodes are in each (states in the order first seen).
#[derive(Default)]
struct Tally {
    of_node: std::collections::HashMap<String, String>,
    counts: IndexMap<String, usize>,
    /// "nodes: 3 deploy, 12 deployed, 1 failed", under the main line once a node has a state.
    line: Option<ProgressBar>,
}

impl Tally {
    fn set(&mut self, node: &str, state: &str) {
        if let Some(old) = self.of_node.insert(node.to_string(), state.to_string())
            && let Some(n) = self.counts.get_mut(&old)
        {
            *n -= 1;
        }
        *self.counts.entry(state.to_string()).or_default() += 1;
    }

    fn line(&self) -> String {
        let parts: Vec<String> = self
            .counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(state, n)| format!("{n} {state}"))
            .collect();
        format!("nodes: {}", parts.join(", "))
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Progress {
    /// Progress drawn on stderr.
    pub fn on_stderr(action: &str) -> Progress {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let main = multi.add(ProgressBar::new_spinner());
        main.set_style(
            style("{spinner} {prefix} {msg} {pos}{len_sep}{len} [{elapsed}]").with_key(
                "len_sep",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    if state.len().is_some() {
                        let _ = w.write_str("/");
                    }
                },
            ),
        );
        main.set_prefix(action.to_string());
        main.enable_steady_tick(Duration::from_millis(120));
        Progress {
            shown: Some(Arc::new(Shown {
                multi,
                main,
                tally: Mutex::default(),
                bars: Mutex::default(),
            })),
        }
    }

    /// The progress of a runtime (off when none was set).
    pub fn of(lua: &Lua) -> Progress {
        lua.app_data_ref::<Progress>()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    pub fn phase(&self, name: &str) {
        if let Some(s) = &self.shown {
            s.main.set_message(format!("{name}:"));
        }
    }

    /// `count` more steps are coming (what "done of total" counts against).
    pub fn expect(&self, count: u64) {
        if let Some(s) = &self.shown {
            let total = s.main.length().unwrap_or(s.main.position()) + count;
            s.main.set_length(total);
        }
    }

    /// `node` is now in `state` (a phase it works through, `deployed`, `failed`, ...).
    pub fn node(&self, node: &str, state: &str) {
        if let Some(s) = &self.shown {
            let mut tally = s.tally.lock().unwrap_or_else(PoisonError::into_inner);
            tally.set(node, state);
            let text = tally.line();
            let line = tally.line.get_or_insert_with(|| {
                let line = s.multi.insert_after(&s.main, ProgressBar::new_spinner());
                line.set_style(style("  {msg}"));
                line
            });
            line.set_message(text);
        }
    }

    /// `count` more nodes enter phase `name`: its bar (made on first use) grows.
    pub fn enter(&self, name: &str, count: u64) {
        if let Some(s) = &self.shown {
            let mut bars = s.bars.lock().unwrap_or_else(PoisonError::into_inner);
            let bar = bars.entry(name.to_string()).or_insert_with(|| {
                let bar = s.multi.add(ProgressBar::new(0));
                bar.set_style(style("  {prefix:<12} [{bar:30}] {pos}/{len}").progress_chars("=> "));
                bar.set_prefix(name.to_string());
                bar
            });
            bar.inc_length(count);
        }
    }

    /// One node is through phase `name`.
    pub fn through(&self, name: &str) {
        if let Some(s) = &self.shown
            && let Some(bar) = s.bars.lock().unwrap_or_else(PoisonError::into_inner).get(name)
        {
            bar.inc(1);
        }
    }

    /// A step ended: a line above the bars, and one more done.
    pub fn step(&self, scope: &str, name: &str, failure: Option<&str>) {
        if let Some(s) = &self.shown {
            let whose = if scope == crate::journal::SITE {
                String::new()
            } else {
                format!("{scope}: ")
            };
            let line = match failure {
                None => format!("  ok   {whose}{name}"),
                Some(why) => format!("  FAIL {whose}{name}: {}", why.lines().next().unwrap_or_default()),
            };
            let _ = s.multi.println(line);
            s.main.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(s) = &self.shown {
            for bar in s.bars.lock().unwrap_or_else(PoisonError::into_inner).values() {
                bar.finish_and_clear();
            }
            if let Some(line) = &s.tally.lock().unwrap_or_else(PoisonError::into_inner).line {
                line.finish_and_clear();
            }
            s.main.finish_and_clear();
            let _ = s.multi.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_node_line_counts_each_node_once_in_its_latest_state() {
        let mut t = Tally::default();
        t.set("a", "networking");
        t.set("b", "networking");
        t.set("a", "storage");
        t.set("a", "deployed");
        t.set("c", "failed");
        assert_eq!(t.line(), "nodes: 1 networking, 1 deployed, 1 failed");
    }
}
