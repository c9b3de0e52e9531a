def test_a_targeted_htmx_request_gets_only_the_fragment(client, auth):
    auth.login()
    full = client.get("/settings/team")
    fragment = client.get("/settings/team", headers={"HX-Request": "true", "HX-Target": "team"})
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="team"' in body
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_boosted_navigation_and_history_restores_get_the_full_page(client, auth):
    auth.login()
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        response = client.get("/settings/team", headers={"HX-Request": "true", header: "true"})
        assert "<html" in response.get_data(as_text=True), header


def test_not_found_pages_are_friendly(client, auth):
    auth.login()
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "There is nothing here" in response.get_data(as_text=True)


def test_a_missing_page_swaps_in_as_a_fragment_for_htmx_but_whole_for_a_boosted_link(client, auth):
    auth.login()
    targeted = client.get("/no/such/page", headers={"HX-Request": "true"})
    boosted = client.get("/no/such/page", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert targeted.status_code == boosted.status_code == 404
    assert "There is nothing here" in targeted.get_data(as_text=True)
    assert 'aria-label="Main"' not in targeted.get_data(as_text=True)
    assert 'aria-label="Main"' in boosted.get_data(as_text=True), "the navigation must survive a boosted 404"
    assert "HX-Request" in boosted.headers["Vary"]


def test_unexpected_errors_show_a_friendly_500(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["TESTING"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "kaboom" not in response.get_data(as_text=True)
