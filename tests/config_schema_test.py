#!/usr/bin/env python3
"""docs/config.schema.json accepts every config.yaml in the repo and refuses misspelt keys.

The loader's router_test (ConfigKeysTest) holds the schema's key set to the loader's; this
test holds the schema to the files users copy.
"""
import glob
import json
import os
import sys
import unittest

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_schema():
    with open(os.path.join(ROOT, 'docs', 'config.schema.json')) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def repo_configs():
    """(name, parsed config) for every config.yaml the repo ships or tests with."""
    files = [os.path.join(ROOT, 'config.example.yaml'), os.path.join(ROOT, 'deploy', 'config.yaml')]
    files += sorted(glob.glob(os.path.join(ROOT, 'fuzz', 'corpus', 'config_loader', '*.yaml')))
    for path in files:
        with open(path) as f:
            yield os.path.relpath(path, ROOT), yaml.safe_load(f)
    # The Helm chart embeds the config under `config:` in its values files.
    for path in sorted(glob.glob(os.path.join(ROOT, 'deploy', 'helm', '*', 'values.yaml')) +
                       glob.glob(os.path.join(ROOT, 'deploy', 'helm', '*', 'ci', '*.yaml'))):
        with open(path) as f:
            values = yaml.safe_load(f) or {}
        if 'config' in values:
            yield os.path.relpath(path, ROOT) + ' (config)', values['config']


class ConfigSchemaTest(unittest.TestCase):
    def setUp(self):
        self.validator = load_schema()

    def test_every_repo_config_is_valid(self):
        names = []
        for name, config in repo_configs():
            names.append(name)
            with self.subTest(config=name):
                errors = [f'{"/".join(map(str, e.path))}: {e.message}'
                          for e in self.validator.iter_errors(config)]
                self.assertEqual(errors, [])
        self.assertIn('config.example.yaml', names)

    def test_misspelt_keys_are_refused_at_every_level(self):
        for bad in [
            {'servres': {}},
            {'servers': {'a': {'url': 'http://x', 'api_kye': 'k'}}},
            {'servers': {'a': {'url': 'http://x', 'retrys': {'max': 1}}}},
            {'servers': {'a': {'url': 'http://x', 'timeouts': {'conect': 1}}}},
            {'servers': {'a': {'url': 'http://x', 'retries': {'max_retries': 1}}}},
            {'models': {'cache_tll': 1}},
            {'proxy': {'allow_url': []}},
            {'limits': {'sse_bytes': 4096}},
        ]:
            with self.subTest(config=bad):
                self.assertFalse(self.validator.is_valid(bad))

    def test_environment_references_and_free_form_headers_are_allowed(self):
        config = {'servers': {'a': {'url': '${BASE}', 'api_key': '${KEY:-}',
                                    'headers': {'X-Anything': 'v'},
                                    'timeouts': {'total': '${TOTAL:-600}'},
                                    'max_connections': '${CAP}'}}}
        self.assertEqual(list(self.validator.iter_errors(config)), [])


if __name__ == '__main__':
    sys.exit(unittest.main())
