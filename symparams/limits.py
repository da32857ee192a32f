"""Bounds that keep bad or hostile input from hanging or exhausting the program.
Each is hit with a LimitError that names it."""

MAX_SOURCE_CHARS = 1_000_000        # one file or one --set value
MAX_SOURCE_LINES = 20_000           # lines of one file: parsing and evaluating cost time per line
MAX_INT_DIGITS = 100                # digits of an integer literal
MAX_RESULT_DIGITS = 2_000           # digits of any integer computed by `**`
MAX_EXPONENT = 10_000               # |exponent| of a power whose base is not 0 or +-1
MAX_EXPR_DEPTH = 200                # nesting of one expression
MAX_BLOCK_DEPTH = 64                # blocks calling blocks
MAX_UNROLL = 10_000                 # iterations of all integer repeats together
MAX_LAYERS = 200_000                # layer rows in one model
MAX_TUPLE_ITEMS = 1_000             # items in one tuple / rank of a shape
MAX_EXPR_NODES = 20_000             # nodes of one layer's shape or MACs expression after evaluation
MAX_EXPR_NESTING = 100              # depth of such an expression; SymPy slows sharply on deep nesting
MAX_STAGES = 32                     # iterations of a stage repeat (`repeat S as i, input (...)`) once S is
                                    # a number: each is checked exactly, and H/2**32 is past any input
MAX_RANGE_CHECKS = 10_000           # index values a rule made inside symbolic repeats is checked at
                                    # (e.g. floors nested by 30+ stride-2 layers; ResNet50 nests 5)
