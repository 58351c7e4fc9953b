"""``ordercraft user add|list|show|token|passwd``: roles, passwords shown once, tokens."""

from __future__ import annotations

from ordercraft.core.services.users import authenticate, user_for_token


def can_log_in(site, name, password):
    with site.session() as session:
        return authenticate(session, name, password).name == name


def test_add_with_password_and_roles(site):
    result = site.cli("user add mia --role manager --role economist --password secret-pass "
                      "--full-name 'Mia Lee' --email mia@example.com --manager admin --json")
    assert result.exit_code == 0, result.stderr
    user = result.json()["user"]
    assert (user["roles"], user["manager"], user["full_name"]) == (
        ["economist", "manager"], "admin", "Mia Lee")
    assert "password" not in result.json()
    assert can_log_in(site, "mia", "secret-pass")


def test_add_generates_a_password_and_prints_it_once(site):
    result = site.cli("user add sam --role storekeeper")
    assert result.exit_code == 0, result.stderr
    first_line, password_line = result.output.splitlines()
    assert first_line == "added user sam (roles: storekeeper)"
    password = password_line.removeprefix("password (shown once): ")
    assert len(password) >= 12
    assert can_log_in(site, "sam", password)
    assert password not in site.cli("user show sam").output


def test_add_prompts_for_the_password(site):
    result = site.cli("user add ed --role engineer --prompt-password --json",
                      input="typed-secret\ntyped-secret\n")
    assert result.exit_code == 0, result.stderr
    assert result.json()["user"]["name"] == "ed"  # the prompt did not spoil the JSON
    assert can_log_in(site, "ed", "typed-secret")


def test_list_and_show(site):
    site.cli("user add mia --role manager --password secret-pass")
    listed = site.cli("user list --json").json()["users"]
    assert [(u["name"], u["roles"]) for u in listed] == [("admin", ["admin"]),
                                                        ("mia", ["manager"])]
    assert "mia" in site.cli("user list").output
    shown = site.cli("user show mia")
    assert "roles:" in shown.output and "manager" in shown.output


def test_token_is_printed_once_and_works(site):
    result = site.cli("user token admin --label sync --json")
    assert result.exit_code == 0, result.stderr
    token = result.json()["token"]
    with site.session() as session:
        assert user_for_token(session, token).name == "admin"
    text = site.cli("user token admin").output
    assert text.startswith("API token for admin (shown once, store it now):\noc_")


def test_passwd(site):
    site.cli("user add mia --role manager --password first-pass")
    assert site.cli("user passwd mia --password second-pass").exit_code == 0
    assert can_log_in(site, "mia", "second-pass")
    prompted = site.cli("user passwd mia", input="third-pass\nthird-pass\n")
    assert prompted.exit_code == 0, prompted.stderr
    assert can_log_in(site, "mia", "third-pass")
    generated = site.cli("user passwd mia --generate --json").json()
    assert can_log_in(site, "mia", generated["password"])


def test_user_errors(site):
    site.cli("user add mia --role manager --password secret-pass")
    cases = [
        ("user add bob", "error: role: give the user at least one --role (admin, manager, "
                         "engineer, storekeeper, economist)"),
        ("user add bob --role boss --password secret-pass",
         "error: role: 'boss' is not a role (roles: admin, economist, engineer, manager, "
         "storekeeper)"),
        ("user add mia --role manager --password secret-pass", "error: user 'mia' already exists"),
        ("user add bob --role manager --password short", "error: password: at least 8 "
                                                         "characters are needed"),
        ("user add 'bob smith' --role manager", "error: name: 'bob smith' is not a valid user "
                                                "name (letters, digits, '_', '.', '@', '-')"),
        ("user add bob --role manager --manager ghost",
         "error: manager: user 'ghost' does not exist"),
        ("user add bob --role manager --password secret-pass --prompt-password",
         "error: password: give --password or --prompt-password, not both"),
        ("user show ghost", "error: user 'ghost' does not exist"),
        ("user token ghost", "error: user 'ghost' does not exist"),
        ("user passwd ghost --password secret-pass", "error: user 'ghost' does not exist"),
        ("user passwd mia --password short", "error: password: at least 8 characters are "
                                             "needed"),
    ]
    for args, message in cases:
        result = site.cli(args)
        assert (result.exit_code, result.stderr.strip()) == (2, message), args
    assert [u["name"] for u in site.cli("user list --json").json()["users"]] == ["admin", "mia"]
