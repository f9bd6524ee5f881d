#!/usr/bin/env python3
"""Drives a running Sluice the way Close's official Python client (closeio_api.Client) drives
api.close.com: a requests session with the key as Basic username, JSON bodies, an X-TZ-Offset
header on every call, endpoints given without the leading base and with a trailing slash added.
It walks through what a Close user does: statuses, custom fields, leads with contacts, search
with cursors, a bulk edit watched to completion, pause and resume, and a bulk delete.

Usage: python3 scripts/close-client-smoke.py BASE_URL API_KEY
       (BASE_URL like http://127.0.0.1:3000/api/v1/)
"""
import json
import sys
import time

import requests


class APIError(Exception):
    def __init__(self, response):
        super().__init__(f"{response.status_code} {response.text}")
        self.response = response


class Client:
    """The calling conventions of closeio_api.Client, re-stated here (the package is not installable
    on machines without PyPI)."""

    def __init__(self, base_url, api_key, tz_offset="0"):
        self.base_url = base_url.rstrip("/") + "/"
        self.session = requests.Session()
        self.session.auth = (api_key, "")
        self.session.headers.update({"Content-Type": "application/json", "X-TZ-Offset": tz_offset})

    def _url(self, endpoint):
        return self.base_url + endpoint.strip("/") + "/"

    def _call(self, method, endpoint, data=None, params=None):
        body = None if data is None else json.dumps(data)
        response = self.session.request(method, self._url(endpoint), data=body, params=params, allow_redirects=False)
        if response.status_code == 200:
            return response.json()
        raise APIError(response)

    def get(self, endpoint, params=None):
        return self._call("GET", endpoint, params=params)

    def post(self, endpoint, data):
        return self._call("POST", endpoint, data=data)

    def put(self, endpoint, data):
        return self._call("PUT", endpoint, data=data)

    def delete(self, endpoint):
        return self._call("DELETE", endpoint)


def main(base_url, api_key):
    api = Client(base_url, api_key)
    me = api.get("me")
    print("me:", me["id"], me["email"])

    status = api.post("status/lead", {"label": f"Smoke {time.time():.0f}"})
    field = api.post("custom_field/lead", {"name": f"Tier {time.time():.0f}", "type": "choices", "choices": ["gold", "silver"]})
    print("status:", status["id"], "field:", field["id"])

    leads = []
    for i in range(30):
        lead = api.post("lead", {
            "name": f"Smoke Lead {i}",
            "status_id": status["id"],
            "contacts": [{"name": f"Person {i}", "title": "CEO" if i % 3 == 0 else "CTO",
                          "emails": [{"type": "office", "email": f"p{i}@smoke.example"}],
                          "phones": [{"type": "office", "phone": "8004445555"}]}],
            f"custom.{field['id']}": "silver",
        })
        leads.append(lead)
    assert leads[0]["contacts"][0]["phones"][0]["phone"] == "+18004445555"
    updated = api.put(f"lead/{leads[0]['id']}", {"description": "updated"})
    assert updated["description"] == "updated" and updated[f"custom.{field['id']}"] == "silver"
    try:
        api.put(f"lead/{leads[0]['id']}", {f"custom.{field['id']}": "platinum"})
        raise SystemExit("a bad choice was accepted")
    except APIError as error:
        assert error.response.status_code == 400, error
        print("bad value refused:", error.response.json()["field-errors"])

    query = {"type": "and", "queries": [
        {"type": "object_type", "object_type": "lead"},
        {"type": "field_condition", "field": {"type": "regular_field", "object_type": "lead", "field_name": "status_id"},
         "condition": {"type": "reference", "reference_type": "status.lead", "object_ids": [status["id"]]}},
    ]}
    seen, cursor = [], None
    while True:
        page = api.post("data/search", {"query": query, "_limit": 7, "cursor": cursor, "_fields": {"lead": ["id", "display_name"]}})
        seen += [row["id"] for row in page["data"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(lead["id"] for lead in leads), (len(seen), len(leads))
    counted = api.post("data/search", {"query": query, "include_counts": True, "results_limit": 0})
    print("search: paged", len(seen), "leads; count", counted["count"])

    edit = api.post("bulk_action/edit", {"type": "set_custom_field", "custom_field_id": field["id"],
                                          "custom_field_value": "gold", "s_query": query, "send_done_email": False})
    print("bulk edit:", edit["id"], edit["status"])
    for _ in range(120):
        edit = api.get(f"bulk_action/edit/{edit['id']}")
        if edit["status"] in ("done", "error"):
            break
        time.sleep(0.25)
    assert edit["status"] == "done" and edit["n_leads"] == 30 and edit["n_leads_processed"] == 30, edit
    assert api.get(f"lead/{leads[5]['id']}")[f"custom.{field['id']}"] == "gold"
    print("bulk edit done:", edit["n_leads_processed"], "of", edit["n_leads"])

    delete = api.post("bulk_action/delete", {"s_query": query, "send_done_email": False})
    try:
        paused = api.put(f"bulk_action/delete/{delete['id']}", {"status": "paused"})
        print("paused:", paused["status"], "resumable until", paused.get("resumable_until"))
        resumed = api.put(f"bulk_action/delete/{delete['id']}", {"status": "resuming"})
        print("resumed:", resumed["status"])
    except APIError as error:
        # The action may have finished before the pause arrived; that refusal is a 400 on status.
        assert error.response.status_code == 400 and "status" in error.response.json()["field-errors"], error
        print("too late to pause:", error.response.json()["field-errors"]["status"])
    for _ in range(120):
        delete = api.get(f"bulk_action/delete/{delete['id']}")
        if delete["status"] in ("done", "error"):
            break
        time.sleep(0.25)
    assert delete["status"] == "done" and delete["n_leads"] == 30, delete
    try:
        api.get(f"lead/{leads[0]['id']}")
        raise SystemExit("a deleted lead is still there")
    except APIError as error:
        assert error.response.status_code == 404
    api.delete(f"custom_field/lead/{field['id']}")
    assert api.delete(f"status/lead/{status['id']}") == {}
    print("all good")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
