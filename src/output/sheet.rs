//! A worksheet of `payouts.xlsx` being written row by row, with the
//! column widths its autofit would give.
//!
//! The sheets with a row per employee are written in the writer's
//! constant-memory mode: each row goes to a temporary file once the next
//! one starts, so rows must come in order, and the writer's `autofit()`
//! sees only the last row. So each cell's width is measured here as it is
//! written, by autofit's own rule (`cell_autofit_width` for text, 7 pixels
//! a character of the number's shortest form, the cached result of a
//! formula, 16 more for a header with a filter button), and the widths are
//! set at the end: the columns come out as wide as before.

use crate::error::{Error, Result};
use rust_xlsxwriter::{Format, Formula, Worksheet, XlsxError};

pub fn xlsx_err(e: XlsxError) -> Error {
    Error::Usage(format!("cannot build payouts.xlsx: {e}"))
}

/// Autofit's widest column, in pixels.
const MAX_WIDTH: u32 = 1790;
/// Autofit looks at rows above this one only.
const MAX_ROW: u32 = 1_048_575;

pub struct Sheet<'w> {
    pub ws: &'w mut Worksheet,
    /// Widest cell per column in pixels, without padding: the header row's
    /// and the other rows'. `None`: the writer's own autofit is used.
    widths: Option<(Vec<u32>, Vec<u32>)>,
}

/// A text's width in pixels, by Excel's character widths.
fn text_width(t: &str) -> u32 {
    if t.is_empty() {
        return 0;
    }
    rust_xlsxwriter::utility::cell_autofit_width(t).saturating_sub(7)
}

impl<'w> Sheet<'w> {
    /// A sheet whose widths are measured here (constant-memory mode).
    pub fn measured(ws: &'w mut Worksheet) -> Sheet<'w> {
        Sheet {
            ws,
            widths: Some((Vec::new(), Vec::new())),
        }
    }

    /// A sheet held in memory, fitted by the writer.
    pub fn held(ws: &'w mut Worksheet) -> Sheet<'w> {
        Sheet { ws, widths: None }
    }

    fn seen(&mut self, row: u32, col: u16, width: u32) {
        let Some((head, rest)) = &mut self.widths else {
            return;
        };
        if row >= MAX_ROW {
            return;
        }
        let v = if row == 0 { head } else { rest };
        let c = col as usize;
        if v.len() <= c {
            v.resize(c + 1, 0);
        }
        v[c] = v[c].max(width);
    }

    pub fn text(&mut self, row: u32, col: u16, t: &str) -> Result<()> {
        self.seen(row, col, text_width(t));
        self.ws.write_string(row, col, t).map_err(xlsx_err)?;
        Ok(())
    }

    pub fn text_with(&mut self, row: u32, col: u16, t: &str, f: &Format) -> Result<()> {
        self.seen(row, col, text_width(t));
        self.ws
            .write_string_with_format(row, col, t, f)
            .map_err(xlsx_err)?;
        Ok(())
    }

    pub fn number(&mut self, row: u32, col: u16, v: f64, f: Option<&Format>) -> Result<()> {
        self.seen(row, col, 7 * v.to_string().len() as u32);
        match f {
            Some(f) => self.ws.write_number_with_format(row, col, v, f),
            None => self.ws.write_number(row, col, v),
        }
        .map_err(xlsx_err)?;
        Ok(())
    }

    /// A formula with its cached `result`, which autofit measures.
    pub fn formula(
        &mut self,
        row: u32,
        col: u16,
        formula: &str,
        result: &str,
        f: &Format,
    ) -> Result<()> {
        let width = if result == "0" || result.is_empty() {
            0
        } else {
            text_width(result)
        };
        self.seen(row, col, width);
        let formula = Formula::new(formula).set_result(result);
        self.ws
            .write_formula_with_format(row, col, formula, f)
            .map_err(xlsx_err)?;
        Ok(())
    }

    /// The header frozen, a filter over header and `rows` data rows,
    /// widths fitted to the content.
    pub fn finish(self, rows: usize, cols: usize) -> Result<()> {
        self.ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        let filter = rows > 0 && cols > 0;
        if filter {
            self.ws
                .autofilter(0, 0, rows as u32, cols as u16 - 1)
                .map_err(xlsx_err)?;
        }
        let Some((head, rest)) = self.widths else {
            self.ws.autofit();
            return Ok(());
        };
        for c in 0..head.len().max(rest.len()) {
            let h = head.get(c).copied().unwrap_or(0);
            let h = if h > 0 && filter { h + 16 } else { h };
            let w = h.max(rest.get(c).copied().unwrap_or(0));
            if w > 0 {
                let w = (w + 7).min(MAX_WIDTH);
                self.ws
                    .set_column_autofit_width(c as u16, w)
                    .map_err(xlsx_err)?;
            }
        }
        Ok(())
    }
}
