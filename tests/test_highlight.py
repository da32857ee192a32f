"""Highlighting (`symparams.highlight`): the Pygments lexer and the TextMate grammar agree with
the Lark grammar and tokenize every example without an error token."""
import json
import re
import subprocess
import sys

import pytest

from support import EXAMPLES, ROOT
from symparams import highlight
from symparams.parser import _lark

pygments = pytest.importorskip("pygments", reason="the highlight extra (Pygments) is not installed")
from pygments import token  # noqa: E402
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename  # noqa: E402

TEXTMATE = ROOT / "editors" / "symparams.tmLanguage.json"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.arch"))


def test_textmate_grammar_is_generated_from_the_lark_grammar():
    assert json.loads(TEXTMATE.read_text()) == highlight.textmate_grammar(), \
        "regenerate: python -m symparams.highlight --textmate > editors/symparams.tmLanguage.json"


def test_every_keyword_lark_knows_is_highlighted():
    # Lark's own view of the grammar, not the highlighter's regular expression over its text.
    words = {t.pattern.value for t in _lark().terminals
             if t.pattern.type == "str" and t.pattern.value.isidentifier()}
    assert {"model", "block", "repeat", "input", "let", "return"} <= words
    assert set(highlight.grammar_keywords()) == words
    keyword_rule = next(p["match"] for p in highlight.textmate_grammar()["patterns"]
                        if p["name"].startswith("keyword.control"))
    assert all(re.fullmatch(keyword_rule, word) for word in words)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_lexes_without_error_tokens(path):
    text = path.read_text()
    tokens = list(highlight.SymparamsLexer().get_tokens(text))
    assert [value for kind, value in tokens if kind is token.Error] == []
    assert "".join(value for _, value in tokens) == (text if text.endswith("\n") else text + "\n")


@pytest.mark.parametrize("source, expected", [
    ("model Tiny(H, W):", [(token.Keyword, "model"), (token.Name.Function, "Tiny"), (token.Name, "H")]),
    ('conv2d(64, 3, padding="same") # a conv',
     [(token.Name.Function, "conv2d"), (token.Number, "64"), (token.Name.Attribute, "padding"),
      (token.String, '"same"'), (token.Comment.Single, "# a conv")]),
    ("repeat L as i:", [(token.Keyword, "repeat"), (token.Name, "L"), (token.Keyword, "as")]),
    ("dense(floor(d / 2), use_bias=false) -> relu",
     [(token.Name.Function, "dense"), (token.Name.Builtin, "floor"), (token.Operator, "/"),
      (token.Keyword.Constant, "false"), (token.Operator, "->"), (token.Name, "relu")]),
])
def test_tokens(source, expected):
    tokens = [(kind, value) for kind, value in highlight.SymparamsLexer().get_tokens(source)
              if kind not in (token.Whitespace, token.Text, token.Punctuation, token.Operator)
              or value in ("/", "->")]
    for item in expected:
        assert item in tokens, (item, tokens)


def test_the_lexer_is_found_by_file_name_and_by_pygmentize():
    assert get_lexer_for_filename("resnet.arch").name == "symparams"
    out = subprocess.run([sys.executable, "-m", "pygments", "-l", "symparams", "-f", "html",
                          str(EXAMPLES / "resnet.arch")], capture_output=True, text=True, check=True).stdout
    assert '<span class="k">model</span>' in out
