"""Writes the Amazon Connect flows of infra/connect/*.json into template.yaml (`make connect-flows`).

The flow-language JSON lives in its own file, where it can be read, diffed and tested; CloudFormation needs it as
the `Content` string of an AWS::Connect::ContactFlow, and plain CloudFormation cannot read a file. So the template
holds a generated copy between two marker comments:

        # BEGIN infra/connect/<name>.json
        - |
          <the file's JSON, indented>
        # END infra/connect/<name>.json

`python -m infra.connect.render --check` exits 1 when the copy and the file differ (tests/unit/test_contact_flow.py
checks the same).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
_BLOCK = re.compile(r"^(?P<indent>[ ]*)# BEGIN (?P<path>infra/connect/[\w.-]+\.json)[^\n]*\n(?P<body>.*?)"
                    r"^(?P=indent)# END (?P=path)[^\n]*$", re.MULTILINE | re.DOTALL)


def flow_block(path: str, indent: str) -> str:
    """The YAML sequence item holding the file's JSON as a literal block."""
    flow = json.loads((ROOT / path).read_text(encoding="utf-8"))
    lines = json.dumps(flow, indent=2, ensure_ascii=False).splitlines()
    return f"{indent}- |\n" + "".join(f"{indent}  {line}\n" for line in lines)


def render(template_text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        body_start, body_end = match.start("body") - match.start(), match.end("body") - match.start()
        return whole[:body_start] + flow_block(match.group("path"), match.group("indent")) + whole[body_end:]

    return _BLOCK.sub(replace, template_text)


def flow_paths(template_text: str) -> list[str]:
    return [match.group("path") for match in _BLOCK.finditer(template_text)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write infra/connect/*.json flows into template.yaml.")
    parser.add_argument("--check", action="store_true", help="exit 1 when template.yaml is not up to date")
    args = parser.parse_args(argv)
    current = TEMPLATE.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print("template.yaml's contact flows differ from infra/connect/*.json: run make connect-flows",
                  file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        TEMPLATE.write_text(wanted, encoding="utf-8")
    print(f"template.yaml: {', '.join(flow_paths(wanted)) or 'no flows'} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
