"""Runs pip-audit on the virtualenv and says plainly what it could check.

Exit 1 when a dependency has a known vulnerability. Exit 0, with a loud notice, when the vulnerability
service could not be reached (every dependency skipped, or a network error): an unreachable service is
not a vulnerability, but nobody must read that as « audited, nothing found ».
"""

import json

# Runs pip-audit only, with fixed arguments and no shell.
import subprocess  # nosec B404
import sys

UNREACHABLE = (
    "pip-audit : le service de vulnérabilités (PyPI) est injoignable depuis cette machine ; "
    "AUCUNE dépendance n'a été auditée. Ce n'est pas un échec de la construction : relancez `make audit` "
    "depuis une machine qui atteint pypi.org."
)


def main(pip_audit: str) -> int:
    try:
        result = subprocess.run(  # noqa: S603  # nosec B603
            [pip_audit, "--format", "json", "--progress-spinner", "off", "--timeout", "20"],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        print(UNREACHABLE)
        return 0
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        signs = ("ConnectionError", "NameResolution", "Max retries", "timed out")
        network = any(word in result.stderr for word in signs)
        if network:
            print(UNREACHABLE)
            return 0
        print(result.stdout + result.stderr, file=sys.stderr)
        print("ÉCHEC : pip-audit n'a pas pu s'exécuter.", file=sys.stderr)
        return 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "aucune version corrigée"
            print(f"VULNÉRABLE : {dependency['name']} {dependency['version']} — {vuln['id']} (corrigé en : {fixes})")
    if vulnerable:
        print(f"ÉCHEC : {len(vulnerable)} dépendance(s) avec une vulnérabilité connue.", file=sys.stderr)
        return 1
    if dependencies and len(skipped) == len(dependencies):
        print(UNREACHABLE)
        return 0
    for dependency in skipped:
        print(f"non auditée : {dependency['name']} ({dependency['skip_reason']})")
    print(f"pip-audit : {len(dependencies) - len(skipped)} dépendance(s) auditée(s), aucune vulnérabilité connue.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "pip-audit"))
