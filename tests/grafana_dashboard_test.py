#!/usr/bin/env python3
"""The Grafana dashboard (deploy/helm/llmsrouter/dashboards/) queries only metrics the services
export: every llmsrouter_* name in a panel's expression must be registered in the C++ sources
(histograms also as _bucket/_sum/_count)."""
import glob
import json
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARDS = glob.glob(os.path.join(ROOT, 'deploy', 'helm', 'llmsrouter', 'dashboards', '*.json'))


def exported_metrics():
    names = set()
    for path in glob.glob(os.path.join(ROOT, 'services', '**', '*.cc'), recursive=True) + \
            glob.glob(os.path.join(ROOT, 'common', '*.cc')):
        if path.endswith('_test.cc'):
            continue
        with open(path) as f:
            names.update(re.findall(r'"(llmsrouter_[a-z0-9_]+)"', f.read()))
    return names


def queried_metrics(dashboard):
    for panel in dashboard['panels']:
        for target in panel.get('targets', []):
            for name in re.findall(r'\bllmsrouter_[a-z0-9_]+', target['expr']):
                yield panel['title'], re.sub(r'_(bucket|sum|count)$', '', name)


class GrafanaDashboardTest(unittest.TestCase):
    def test_every_query_names_an_exported_metric(self):
        exported = exported_metrics()
        self.assertIn('llmsrouter_http_requests_total', exported)
        self.assertTrue(DASHBOARDS)
        for path in DASHBOARDS:
            with open(path) as f:
                dashboard = json.load(f)
            queried = list(queried_metrics(dashboard))
            self.assertTrue(queried, path)
            for title, name in queried:
                with self.subTest(dashboard=os.path.basename(path), panel=title):
                    self.assertIn(name, exported)

    def test_the_check_catches_a_misspelt_metric(self):
        bad = {'panels': [{'title': 't', 'targets': [{'expr': 'rate(llmsrouter_nope_total[1m])'}]}]}
        self.assertNotIn(list(queried_metrics(bad))[0][1], exported_metrics())


if __name__ == '__main__':
    unittest.main()
