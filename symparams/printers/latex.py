"""LaTeX: symbol names the way authors write them (d_model -> d_{\\mathrm{model}}, alpha -> \\alpha),
products with the repeat counts first, long sums broken across lines, and a compilable document."""
from __future__ import annotations

import re

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..expressions import as_expr
from ..text import author_fraction
from .present import grouped

_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
          "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "varrho", "sigma", "tau", "upsilon",
          "phi", "varphi", "chi", "psi", "omega"}
# Capital Greek letters LaTeX has commands for; the others look like Latin capitals.
_GREEK_CAPITAL = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
_GREEK_AS_LATIN = {"Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H", "Iota": "I", "Kappa": "K",
                   "Mu": "M", "Nu": "N", "Omicron": "O", "Rho": "P", "Tau": "T", "Chi": "X", "omicron": "o"}
_ALIASES = {"lamda": "lambda", "Lamda": "Lambda"}   # SymPy's spelling (lambda is a Python keyword)


def _word(word: str) -> str:
    """One piece of a name: a Greek letter, a single letter or number as is, a word upright."""
    word = _ALIASES.get(word, word)
    if word in _GREEK or word in _GREEK_CAPITAL:
        return f"\\{word}"
    if word in _GREEK_AS_LATIN:
        return _GREEK_AS_LATIN[word]
    if re.fullmatch(r"[A-Za-z]|[0-9]+", word):
        return word
    return f"\\mathrm{{{word}}}"


def symbol_latex(name: str) -> str:
    """d_model -> d_{\\mathrm{model}}, n_layer -> n_{\\mathrm{layer}}, alpha_1 -> \\alpha_{1}, h2 -> h_{2},
    W_q_proj -> W_{q,\\mathrm{proj}}, vocab -> \\mathrm{vocab}."""
    head, sep, tail = name.partition("_")
    if not head:                                     # _x, __y: no sensible reading; keep it verbatim
        return "\\mathrm{" + name.replace("_", r"\_") + "}"
    digits = re.fullmatch(r"([A-Za-z]+?)([0-9]+)", head)
    subscripts = []
    if digits and not sep:
        head, subscripts = digits.group(1), [digits.group(2)]
    if sep:
        subscripts += [_word(part) if part else r"\_" for part in tail.split("_")]
    base = _word(head)
    return f"{base}_{{{','.join(subscripts)}}}" if subscripts else base


class SymparamsLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with author-style symbol names (`names` overrides any) and products
    that put the symbols in `first` (a model's repeat counts) right after the coefficient."""

    def __init__(self, names: dict | None = None, first=(), **settings):
        super().__init__(settings)
        self.names = dict(names or {})
        self.first = tuple(first)

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.names:
            return self.names[expr.name]
        return symbol_latex(expr.name)

    def _print_floor(self, expr, exp=None):
        return self._rounded(expr, r"\lfloor", r"\rfloor", exp)

    def _print_ceiling(self, expr, exp=None):
        return self._rounded(expr, r"\lceil", r"\rceil", exp)

    def _rounded(self, expr, left, right, exp):
        r"""floor(H/2 - 1/2) as \lfloor H/2 - 1/2 \rfloor: inline fractions, so that nested
        floors (strided layers in a row) stay one line high."""
        saved = self._settings["fold_short_frac"]
        self._settings["fold_short_frac"] = True
        try:
            tex = rf"\left{left} {self._print(expr.args[0])} \right{right}"
        finally:
            self._settings["fold_short_frac"] = saved
        return f"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_Mul(self, expr):
        fraction = author_fraction(expr)
        if fraction is not None:
            sign, numerator, denominator = fraction
            sign = "- " if sign else ""
            if self._settings["fold_short_frac"]:   # inside a floor: one line high
                return (sign + self.parenthesize(numerator, PRECEDENCE["Mul"], strict=True) + " / " +
                        self.parenthesize(denominator, PRECEDENCE["Mul"]))
            return sign + r"\frac{%s}{%s}" % (self._print(numerator), self._print(denominator))
        if self.first and not expr.could_extract_minus_sign():
            coeff, factors = expr.as_coeff_mul()
            leading = [f for f in factors if f in self.first or (f.is_Pow and f.base in self.first)]
            if leading and len(leading) < len(factors):
                rest = [f for f in factors if f not in leading]
                rest_tex = (self.parenthesize(rest[0], PRECEDENCE["Mul"]) if len(rest) == 1 else
                            self._print(sympy.Mul(*rest)))
                head = "" if coeff == 1 else self._print(coeff) + " "
                return head + self._print(sympy.Mul(*leading)) + " " + rest_tex
        return super()._print_Mul(expr)


def latex(expr, names: dict | None = None, first=()) -> str:
    """LaTeX for a figure; `names` maps symbol names to how they are written ({"d": "d_{m}"})."""
    return spaced(SymparamsLatexPrinter(names, first).doprint(as_expr(expr)))


def spaced(tex: str) -> str:
    r"""A thin space around upright words in products: 2049\,\mathrm{classes}, \mathrm{vocab}\, d."""
    tex = re.sub(r"(?<=[0-9A-Za-z}]) (?=\\mathrm\{[A-Za-z0-9]+\})", r"\\, ", tex)
    return re.sub(r"(\\mathrm\{[A-Za-z0-9]+\}) (?=[0-9A-Za-z\\])(?!\\right)", r"\1\\, ", tex)


def counted_tex(expr, counts, to_tex) -> str:
    """A figure times its repeat counts, `4 d (d + 1) \\times L`: a sum in parentheses (a figure,
    or a count such as N - 1); a zero alone. `to_tex` prints one expression."""
    tex = to_tex(expr)
    if not counts or tex == "0":
        return tex
    if as_expr(expr).is_Add:
        tex = f"\\left({tex}\\right)"
    return tex + "".join(f" \\times \\left({to_tex(c)}\\right)" if as_expr(c).is_Add else f" \\times {to_tex(c)}"
                         for c in counts)


def visible_width(tex: str) -> int:
    """About how many characters wide a formula prints: commands count as one, markup as none."""
    tex = re.sub(r"\\(left|right|mathrm|frac|operatorname)\b", "", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    return len(re.sub(r"[{}^_\\]", "", tex))


def sum_terms(expr, names=None, first=()) -> list[tuple[str, str]]:
    """A sum's terms in print order as (sign, LaTeX), the sign '+' or '-'."""
    expr = as_expr(expr)
    printer = SymparamsLatexPrinter(names, first)
    if not expr.is_Add:
        return [("+", spaced(printer.doprint(expr)))]
    out = []
    for term in printer._as_ordered_terms(expr):
        if term.could_extract_minus_sign():
            out.append(("-", spaced(printer.doprint(-term))))
        else:
            out.append(("+", spaced(printer.doprint(term))))
    return out


def broken_lines(expr, width: int = 70, names=None, first=()) -> list[str]:
    """A formula cut after whole terms so that each line is at most about `width` characters;
    every line but the first starts with its sign."""
    lines, current = [], ""
    for i, (sign, tex) in enumerate(sum_terms(expr, names, first)):
        piece = (("- " if sign == "-" else "") + tex) if i == 0 else f" {sign} {tex}"
        if current and visible_width(current + piece) > width:
            lines.append(current)
            current = piece.lstrip()
        else:
            current += piece
    lines.append(current)
    return lines


def align(equations, width: int = 70, names=None, first=()) -> str:
    """An align* environment: each (left-hand LaTeX, expression) on its own line, long sums
    continued on further lines under the equals sign."""
    body = []
    for lhs, expr in equations:
        number = grouped(expr, "latex")
        lines = [number] if number else broken_lines(expr, width, names, first)
        body.append(f"{lhs} &= {lines[0]}")
        body += [f"&\\quad {line}" for line in lines[1:]]
    return "\\begin{align*}\n" + " \\\\\n".join(body) + "\n\\end{align*}"


def document(body: str, landscape: bool = False, title: str | None = None) -> str:
    """A compilable article around `body` (booktabs, amsmath, array, longtable)."""
    geometry = "a4paper,landscape,margin=1.5cm" if landscape else "a4paper,margin=2cm"
    head = [r"\documentclass[10pt]{article}", f"\\usepackage[{geometry}]{{geometry}}",
            r"\usepackage{amsmath}", r"\usepackage{booktabs}", r"\usepackage{array}", r"\usepackage{longtable}",
            r"\pagestyle{empty}", r"\begin{document}"]
    if title:
        head.append(f"\\section*{{{title}}}")
    return "\n".join([*head, body, r"\end{document}"]) + "\n"


__all__ = ["latex", "symbol_latex", "SymparamsLatexPrinter", "broken_lines", "align", "document", "sum_terms"]
