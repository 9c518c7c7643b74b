//! `nerkit._nerkit`: the compiled half of the `nerkit` Python package.
//!
//! The Python half (`nerkit/metrics.py`, `nerkit/__init__.py`) holds the
//! seqeval-shaped API and the arithmetic that must match seqeval's float
//! for float; this half turns Python lists of tags into ids (once per
//! distinct string), and counts with the GIL released
//! (`nerkit::eval::memory`).

use std::collections::BTreeMap;

use nerkit::eval::memory::{self, SeqevalMode, TagError, TagTable};
use nerkit::eval::{Counts as RsCounts, IllFormedSide, Side, TypeCounts};
use nerkit::TagScheme;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

mod analysis;
mod files;

/// A small direct-mapped cache from a `str` object to its tag id.
///
/// The tags of a training set are a few dozen `str` objects repeated a
/// million times (a label list indexed by predicted class ids), so the
/// object's address finds the id without reading or hashing the text. Each
/// entry keeps its object alive, so an address in the cache cannot be
/// reused by another string while the entry is there (inner lists built on
/// the fly by a generator are freed as the walk goes on).
struct PtrCache<'py> {
    slots: Vec<Option<(Bound<'py, PyAny>, u32)>>,
    /// Entries pushed out of the cache, released only after the walk so
    /// that no object is freed (and no `__del__` of a `str` subclass runs)
    /// while a list is read by address.
    evicted: Vec<Bound<'py, PyAny>>,
    /// Whether lists may be read by address: only with a GIL, which keeps
    /// other threads from changing a list during the walk.
    raw_lists: bool,
}

impl<'py> PtrCache<'py> {
    const SIZE: usize = 512;

    fn new(py: Python<'py>) -> Self {
        // Free-threaded builds (3.13t) have `sys._is_gil_enabled()`; there
        // another thread may change a list while it is read.
        let gil = py
            .import("sys")
            .and_then(|sys| sys.getattr("_is_gil_enabled"))
            .and_then(|f| f.call0())
            .and_then(|v| v.extract::<bool>())
            .unwrap_or(true);
        PtrCache {
            slots: (0..Self::SIZE).map(|_| None).collect(),
            evicted: Vec::new(),
            raw_lists: gil,
        }
    }

    #[inline]
    fn slot(ptr: usize) -> usize {
        (ptr >> 4 ^ ptr >> 13) & (Self::SIZE - 1)
    }
}

/// The tags of one side: ids (all sentences concatenated) and sentence
/// lengths.
#[derive(Default)]
pub(crate) struct SideTags {
    pub(crate) ids: Vec<u32>,
    pub(crate) lens: Vec<u32>,
}

/// Reads `obj` (a list of lists of `str`, as seqeval takes) into ids.
fn extract<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    table: &mut TagTable,
    cache: &mut PtrCache<'py>,
) -> PyResult<SideTags> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "Found input variables without list of list: {name} is a str"
        )));
    }
    let mut out = SideTags::default();
    let mut one = |i: usize, sent: &Bound<'py, PyAny>, out: &mut SideTags| -> PyResult<()> {
        let before = out.ids.len();
        if let Ok(list) = sent.cast::<PyList>() {
            if cache.raw_lists {
                list_ids(list, table, cache, name, i, &mut out.ids)?;
            } else {
                for (j, tag) in list.iter().enumerate() {
                    out.ids.push(tag_id(&tag, table, cache, name, i, j)?);
                }
            }
        } else if let Ok(tuple) = sent.cast::<PyTuple>() {
            for (j, tag) in tuple.iter().enumerate() {
                out.ids.push(tag_id(&tag, table, cache, name, i, j)?);
            }
        } else {
            return Err(PyTypeError::new_err(format!(
                "Found input variables without list of list: {name}[{i}] is a {}",
                sent.get_type().name()?
            )));
        }
        out.lens.push((out.ids.len() - before) as u32);
        Ok(())
    };
    if let Ok(list) = obj.cast::<PyList>() {
        for (i, sent) in list.iter().enumerate() {
            one(i, &sent, &mut out)?;
        }
    } else {
        for (i, sent) in obj.try_iter()?.enumerate() {
            one(i, &sent?, &mut out)?;
        }
    }
    Ok(out)
}

#[inline]
fn tag_id<'py>(
    tag: &Bound<'py, PyAny>,
    table: &mut TagTable,
    cache: &mut PtrCache<'py>,
    name: &str,
    i: usize,
    j: usize,
) -> PyResult<u32> {
    let ptr = tag.as_ptr() as usize;
    let slot = PtrCache::slot(ptr);
    if let Some((obj, id)) = &cache.slots[slot] {
        if obj.as_ptr() as usize == ptr {
            return Ok(*id);
        }
    }
    let s = tag.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "tags must be str: {name}[{i}][{j}] is a {}",
            tag.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    let id = table.intern(s.to_str()?);
    if let Some((old, _)) = cache.slots[slot].replace((tag.clone(), id)) {
        cache.evicted.push(old);
    }
    Ok(id)
}

/// The ids of a list's tags, read by address: the hot loop of scoring
/// lists (a million tags cost about as much as one `str` comparison each).
fn list_ids<'py>(
    list: &Bound<'py, PyList>,
    table: &mut TagTable,
    cache: &mut PtrCache<'py>,
    name: &str,
    i: usize,
    out: &mut Vec<u32>,
) -> PyResult<()> {
    // Between lists nothing is read by address: release what was evicted
    // while reading the previous one, so that memory stays bounded.
    cache.evicted.clear();
    let py = list.py();
    let ptr = list.as_ptr();
    // SAFETY: `ptr` is a live list (`list` holds a reference). With the GIL
    // held (checked in `PtrCache::new`) no other thread runs Python code, and
    // this loop runs none: a cache hit only compares addresses, a miss reads
    // a `str`'s UTF-8 (no Python code) and keeps evicted objects alive until
    // the walk ends. So the size and the items cannot change while read.
    let n = unsafe { pyo3::ffi::PyList_GET_SIZE(ptr) };
    out.reserve(n as usize);
    for j in 0..n {
        // SAFETY: `j` is in bounds (see above); the item is borrowed from
        // the list, which keeps it alive.
        let item = unsafe { pyo3::ffi::PyList_GET_ITEM(ptr, j) };
        let key = item as usize;
        if let Some((obj, id)) = &cache.slots[PtrCache::slot(key)] {
            if obj.as_ptr() as usize == key {
                out.push(*id);
                continue;
            }
        }
        // SAFETY: `item` is a valid borrowed reference (see above); this
        // takes a new reference to it.
        let tag = unsafe { Bound::from_borrowed_ptr(py, item) };
        out.push(tag_id(&tag, table, cache, name, i, j as usize)?);
    }
    Ok(())
}

/// Both sides, checked to have the same shape.
fn extract_pair<'py>(
    y_true: &Bound<'py, PyAny>,
    y_pred: &Bound<'py, PyAny>,
    table: &mut TagTable,
) -> PyResult<(SideTags, SideTags)> {
    let mut cache = PtrCache::new(y_true.py());
    let gold = extract(y_true, "y_true", table, &mut cache)?;
    let pred = extract(y_pred, "y_pred", table, &mut cache)?;
    if gold.lens != pred.lens {
        let msg = if gold.lens.len() != pred.lens.len() {
            format!(
                "Found input variables with inconsistent numbers of samples: \
                 y_true has {} sentences, y_pred {}",
                gold.lens.len(),
                pred.lens.len()
            )
        } else {
            let k = (0..gold.lens.len())
                .find(|&k| gold.lens[k] != pred.lens[k])
                .unwrap_or(0);
            format!(
                "Found input variables with inconsistent numbers of samples: \
                 sentence {k} has {} tags in y_true and {} in y_pred",
                gold.lens[k], pred.lens[k]
            )
        };
        return Err(PyValueError::new_err(msg));
    }
    Ok((gold, pred))
}

fn errors(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("nerkit.errors")
}

/// Raises `nerkit.TagError` (a `ValueError`) for a tag the rules cannot
/// read.
pub(crate) fn tag_error(py: Python<'_>, e: TagError) -> PyErr {
    let side = match e.side {
        Side::Gold => "y_true",
        Side::Pred => "y_pred",
    };
    let msg = e.to_string();
    match errors(py)
        .and_then(|m| m.getattr("TagError"))
        .and_then(|c| c.call1((msg.clone(), side, e.sentence, e.token, e.tag.clone())))
    {
        Ok(err) => PyErr::from_value(err),
        Err(other) => other,
    }
}

/// Parses a scheme name (`iob2`, `BIO`, `IOBES`, ...).
pub(crate) fn parse_scheme(name: &str) -> PyResult<TagScheme> {
    name.parse::<TagScheme>().map_err(PyValueError::new_err)
}

fn scheme_name(s: TagScheme) -> String {
    s.to_string()
}

/// Picks the scheme for strict mode without one: seqeval's `auto_detect`
/// on the gold tags; when gold has no entity tag at all (empty, or all
/// `O`, where seqeval raises), the predictions decide; when neither has
/// one, IOB2 (nothing can be an entity either way).
fn detect(table: &TagTable, gold: &SideTags, pred: &SideTags) -> PyResult<TagScheme> {
    for ids in [&gold.ids, &pred.ids] {
        match memory::prefixes(table, ids).as_deref() {
            Some("") | Some("O") => continue,
            _ => {}
        }
        return memory::detect_scheme(table, ids).ok_or_else(|| {
            let found = memory::prefixes(table, ids)
                .map(|p| format!("the prefixes {p}"))
                .unwrap_or_else(|| "a tag whose prefix is none of I O B E S U L".into());
            PyValueError::new_err(format!(
                "This scheme is not supported: found {found}; auto-detection knows IOB2, IOE2, \
                 IOBES and BILOU: name the scheme (scheme=IOB1, IOE1, IO, ...)"
            ))
        });
    }
    Ok(TagScheme::Iob2)
}

/// Two lists of lists of tags, read and scored.
pub(crate) struct ScoredLists {
    pub(crate) table: TagTable,
    pub(crate) gold: SideTags,
    pub(crate) pred: SideTags,
    pub(crate) mode: SeqevalMode,
    pub(crate) counts: Counts,
}

/// Reads `y_true` and `y_pred` and scores them as `Counts::from_lists`
/// does, keeping the tags for an analysis.
pub(crate) fn score_lists(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_pred: &Bound<'_, PyAny>,
    mode: Option<&str>,
    scheme: Option<&str>,
    suffix: bool,
) -> PyResult<ScoredLists> {
    let mut table = TagTable::new(suffix);
    let (gold, pred) = extract_pair(y_true, y_pred, &mut table)?;
    let (mode, scheme) = match mode {
        None | Some("default") => (SeqevalMode::Default, None),
        Some("strict") => {
            let s = match scheme {
                Some(name) => parse_scheme(name)?,
                None => detect(&table, &gold, &pred)?,
            };
            (SeqevalMode::Strict(s), Some(s))
        }
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "unknown mode {other:?} (expected None or 'strict')"
            )))
        }
    };
    let counts = py
        .detach(|| {
            memory::score(
                &table,
                mode,
                (&gold.ids, &gold.lens),
                (&pred.ids, &pred.lens),
            )
        })
        .map_err(|e| tag_error(py, e))?;
    let not_ne = if mode == SeqevalMode::Default {
        table.not_ne_tags().map(String::from).collect()
    } else {
        Vec::new()
    };
    let counts = Counts {
        inner: counts,
        mode: match mode {
            SeqevalMode::Default => "default".into(),
            SeqevalMode::Strict(_) => "strict".into(),
        },
        scheme: scheme.map(scheme_name),
        not_ne,
    };
    Ok(ScoredLists {
        table,
        gold,
        pred,
        mode,
        counts,
    })
}

/// Entity counts of a corpus or a shard of one: per type gold, predicted
/// and correct entities, tokens and token agreement, ill-formed chunks.
///
/// Counts of shards add up with `+` to the counts of the whole corpus, so
/// a corpus can be scored on Dask, Spark or Ray by mapping shards to
/// `Counts` and folding with `+`. Counts pickle.
#[pyclass(module = "nerkit", name = "Counts", from_py_object)]
#[derive(Clone)]
pub struct Counts {
    pub(crate) inner: RsCounts,
    /// `default` (seqeval's default mode), `strict`, `conlleval`, or
    /// `chars` (entities matched by character offsets: `tokens` then
    /// counts characters and `sentences` documents).
    pub(crate) mode: String,
    pub(crate) scheme: Option<String>,
    /// Tags seqeval's default mode warns about.
    pub(crate) not_ne: Vec<String>,
}

#[pymethods]
impl Counts {
    /// An empty `Counts` (the neutral element of `+`) for a mode and scheme.
    #[new]
    #[pyo3(signature = (mode = "default", scheme = None))]
    fn new(mode: &str, scheme: Option<&str>) -> PyResult<Self> {
        let mode = match mode {
            "default" | "conlleval" | "strict" | "chars" => mode.to_string(),
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown mode {other:?} (expected 'default', 'strict', 'conlleval' or 'chars')"
                )))
            }
        };
        let scheme = scheme.map(parse_scheme).transpose()?.map(scheme_name);
        Ok(Counts {
            inner: RsCounts::default(),
            mode,
            scheme,
            not_ne: Vec::new(),
        })
    }

    /// Counts `y_pred` against `y_true` (lists of lists of tag strings).
    ///
    /// `mode=None` is seqeval's default mode, `'strict'` its strict mode in
    /// `scheme` (a name such as `'IOB2'`; detected from the tags when
    /// `None`). `suffix=True` reads the prefix at the end (`PER-B`). The
    /// GIL is released while counting.
    #[staticmethod]
    #[pyo3(signature = (y_true, y_pred, mode = None, scheme = None, suffix = false))]
    fn from_lists(
        py: Python<'_>,
        y_true: &Bound<'_, PyAny>,
        y_pred: &Bound<'_, PyAny>,
        mode: Option<&str>,
        scheme: Option<&str>,
        suffix: bool,
    ) -> PyResult<Self> {
        score_lists(py, y_true, y_pred, mode, scheme, suffix).map(|s| s.counts)
    }

    /// `default`, `strict`, `conlleval` or `chars` (character level).
    #[getter]
    fn mode(&self) -> &str {
        &self.mode
    }

    /// The scheme of strict mode (`iob2`, ...), `None` otherwise.
    #[getter]
    fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    /// Tokens counted (characters, in code points, for mode `chars`).
    #[getter]
    fn tokens(&self) -> u64 {
        self.inner.tokens
    }

    /// Tokens whose gold and predicted tags are the same string.
    #[getter]
    fn correct_tags(&self) -> u64 {
        self.inner.correct_tags
    }

    /// Sentences counted (documents for mode `chars`).
    #[getter]
    fn sentences(&self) -> u64 {
        self.inner.sentences
    }

    /// Per type: `(gold, pred, correct)` entity counts, sorted by name.
    #[getter]
    fn types<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.inner.types {
            d.set_item(k, (v.gold, v.pred, v.correct))?;
        }
        Ok(d)
    }

    /// All types together: `(gold, pred, correct)`.
    #[getter]
    fn total(&self) -> (u64, u64, u64) {
        let t = self.inner.total;
        (t.gold, t.pred, t.correct)
    }

    /// Ill-formed chunks (strict mode) per side: `(gold, pred)`.
    #[getter]
    fn ill_formed(&self) -> (u64, u64) {
        (
            self.inner.ill_formed_gold.count,
            self.inner.ill_formed_pred.count,
        )
    }

    /// Tags that seqeval's default mode warns "seems not to be NE tag".
    #[getter]
    fn not_ne_tags(&self) -> Vec<String> {
        self.not_ne.clone()
    }

    fn __add__(&self, other: &Bound<'_, PyAny>) -> PyResult<Counts> {
        if let Ok(n) = other.extract::<i64>() {
            if n == 0 {
                return Ok(self.clone());
            }
        }
        let other: Counts = other.extract().map_err(|_| {
            PyTypeError::new_err("a Counts adds only to another Counts (or 0, for sum())")
        })?;
        if other.mode != self.mode || other.scheme != self.scheme {
            return Err(PyValueError::new_err(format!(
                "cannot add counts of mode {} (scheme {:?}) to counts of mode {} (scheme {:?})",
                other.mode, other.scheme, self.mode, self.scheme
            )));
        }
        let mut sum = self.clone();
        memory::merge(&mut sum.inner, &other.inner);
        for t in other.not_ne {
            if !sum.not_ne.contains(&t) {
                sum.not_ne.push(t);
            }
        }
        Ok(sum)
    }

    fn __radd__(&self, other: &Bound<'_, PyAny>) -> PyResult<Counts> {
        self.__add__(other)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.extract::<Counts>() {
            Ok(o) => o.inner == self.inner && o.mode == self.mode && o.scheme == self.scheme,
            Err(_) => false,
        }
    }

    fn __repr__(&self) -> String {
        let t = self.inner.total;
        format!(
            "Counts(mode={:?}, scheme={:?}, sentences={}, tokens={}, gold={}, pred={}, correct={}, types={})",
            self.mode,
            self.scheme,
            self.inner.sentences,
            self.inner.tokens,
            t.gold,
            t.pred,
            t.correct,
            self.inner.types.len()
        )
    }

    /// Plain data: what `pickle` stores and `Counts._from_state` reads.
    fn _state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let c = &self.inner;
        let types: Vec<(String, u64, u64, u64)> = c
            .types
            .iter()
            .map(|(k, v)| (k.clone(), v.gold, v.pred, v.correct))
            .collect();
        let ill = |s: &IllFormedSide| (s.count, s.first_lines.clone());
        (
            self.mode.clone(),
            self.scheme.clone(),
            (c.tokens, c.correct_tags, c.sentences),
            types,
            ill(&c.ill_formed_gold),
            ill(&c.ill_formed_pred),
            self.not_ne.clone(),
        )
            .into_pyobject(py)
    }

    #[staticmethod]
    #[allow(clippy::type_complexity)]
    fn _from_state(
        state: (
            String,
            Option<String>,
            (u64, u64, u64),
            Vec<(String, u64, u64, u64)>,
            (u64, Vec<u64>),
            (u64, Vec<u64>),
            Vec<String>,
        ),
    ) -> Counts {
        let (mode, scheme, (tokens, correct_tags, sentences), types, g, p, not_ne) = state;
        let mut inner = RsCounts {
            tokens,
            correct_tags,
            sentences,
            ..RsCounts::default()
        };
        let mut map = BTreeMap::new();
        for (k, gold, pred, correct) in types {
            inner.total.gold += gold;
            inner.total.pred += pred;
            inner.total.correct += correct;
            map.insert(
                k,
                TypeCounts {
                    gold,
                    pred,
                    correct,
                },
            );
        }
        inner.types = map;
        inner.ill_formed_gold = IllFormedSide {
            count: g.0,
            first_lines: g.1,
        };
        inner.ill_formed_pred = IllFormedSide {
            count: p.0,
            first_lines: p.1,
        };
        Counts {
            inner,
            mode,
            scheme,
            not_ne,
        }
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let from_state = slf.get_type().getattr("_from_state")?;
        let state = slf.borrow()._state(py)?;
        (from_state, (state,)).into_pyobject(py)
    }
}

/// Token-level counts over two lists of lists (or two flat lists wrapped in
/// one sentence): `(tokens, equal, tp, fp, fn, tn)` with
/// `performance_measure`'s definitions.
#[pyfunction]
fn token_counts(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_pred: &Bound<'_, PyAny>,
) -> PyResult<(u64, u64, u64, u64, u64, u64)> {
    let mut table = TagTable::new(false);
    let (gold, pred) = extract_pair(y_true, y_pred, &mut table)?;
    Ok(py.detach(|| {
        let equal = gold
            .ids
            .iter()
            .zip(&pred.ids)
            .filter(|(a, b)| a == b)
            .count() as u64;
        let [tp, fp, fn_, tn] = memory::performance_measure(&table, &gold.ids, &pred.ids);
        (gold.ids.len() as u64, equal, tp, fp, fn_, tn)
    }))
}

#[pymodule]
fn _nerkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Counts>()?;
    m.add_function(wrap_pyfunction!(token_counts, m)?)?;
    files::register(m)?;
    analysis::register(m)?;
    Ok(())
}
