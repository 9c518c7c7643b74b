//! How the columns of a line are separated: one type for every reader of
//! columns (CoNLL files, conlleval's layout, two-file evaluation).

use std::fmt;

/// How the columns of a line are separated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Delimiter {
    /// Runs of tabs and spaces (the default): `Paris  B-LOC` and
    /// `Paris\tB-LOC` both have two columns; leading and trailing ones are
    /// ignored.
    #[default]
    Whitespace,
    /// Every occurrence of this string separates two columns, so with a tab
    /// a token may hold spaces. conlleval.pl's `-d` takes a Perl regular
    /// expression; nerkit takes the string literally.
    Literal(String),
}

impl Delimiter {
    /// A tab.
    pub fn tab() -> Delimiter {
        Delimiter::Literal("\t".to_owned())
    }
}

impl std::str::FromStr for Delimiter {
    type Err = String;

    /// `whitespace` (also `auto`, and `\s+` or `\s`, a common conlleval.pl
    /// idiom), `tab` (also `\t`), `space`, or any other string, taken
    /// literally with `\t` meaning a tab.
    fn from_str(s: &str) -> Result<Delimiter, String> {
        match s {
            "" => Err("the delimiter must not be empty".to_owned()),
            "whitespace" | "auto" | "\\s+" | "\\s" | " +" => Ok(Delimiter::Whitespace),
            "tab" => Ok(Delimiter::tab()),
            "space" => Ok(Delimiter::Literal(" ".to_owned())),
            _ => Ok(Delimiter::Literal(s.replace("\\t", "\t"))),
        }
    }
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delimiter::Whitespace => f.write_str("whitespace"),
            Delimiter::Literal(d) if d == "\t" => f.write_str("tab"),
            Delimiter::Literal(d) if d == " " => f.write_str("space"),
            Delimiter::Literal(d) => f.write_str(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling() {
        for (s, d) in [
            ("whitespace", Delimiter::Whitespace),
            ("\\s+", Delimiter::Whitespace),
            ("tab", Delimiter::tab()),
            ("\\t", Delimiter::tab()),
            ("\t", Delimiter::tab()),
            ("space", Delimiter::Literal(" ".into())),
            (" ", Delimiter::Literal(" ".into())),
            ("|", Delimiter::Literal("|".into())),
            ("::", Delimiter::Literal("::".into())),
        ] {
            assert_eq!(s.parse::<Delimiter>(), Ok(d.clone()), "{s:?}");
            assert_eq!(d.to_string().parse::<Delimiter>(), Ok(d));
        }
        assert!("".parse::<Delimiter>().is_err());
    }
}
