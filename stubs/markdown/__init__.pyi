# The one call of Python-Markdown we use (public_site/blog/posts.py); the package ships no types.
from collections.abc import Sequence

def markdown(text: str, *, extensions: Sequence[str] = ..., output_format: str = ...) -> str: ...
