"""The one authorisation rule (hwctl.domain.access), over every use and both kinds of principal."""

from __future__ import annotations

import pytest

from hwctl.domain.access import PLATFORM_USES, READS, Principal, Use, authorise
from hwctl.errors import NotAuthorised, NotFound

ADMIN = Principal.super_admin("dana")
ACME = Principal.platform("Acme Voice", token_id=3)


@pytest.mark.parametrize("use", list(Use))
def test_a_registered_super_admin_may_do_everything_to_any_order(use: Use) -> None:
    authorise(ADMIN, use, registered=True, order_id=7, order_platform="Blue Sky")


@pytest.mark.parametrize("use", sorted(set(Use) - READS))
def test_an_unregistered_super_admin_may_change_nothing(use: Use) -> None:
    with pytest.raises(NotAuthorised) as caught:
        authorise(ADMIN, use, registered=False, order_id=7, order_platform="Acme Voice")
    assert caught.value.fields == {"principal": "dana", "admins_exist": True}


@pytest.mark.parametrize("use", sorted(READS))
def test_reading_the_store_needs_access_to_it_not_a_registered_name(use: Use) -> None:
    authorise(ADMIN, use, registered=False, order_id=7, order_platform="Acme Voice")


def test_the_refusal_says_whether_anyone_is_registered_yet() -> None:
    with pytest.raises(NotAuthorised) as caught:
        authorise(ADMIN, Use.IMPORT, registered=False, admins_exist=False)
    assert caught.value.fields == {"principal": "dana", "admins_exist": False}


@pytest.mark.parametrize("use", sorted(PLATFORM_USES))
def test_a_platform_may_submit_read_and_cancel_its_own_orders(use: Use) -> None:
    authorise(ACME, use, registered=False, order_id=7, order_platform="Acme Voice")


@pytest.mark.parametrize("use", sorted(PLATFORM_USES))
def test_another_platforms_order_is_not_found_never_forbidden(use: Use) -> None:
    with pytest.raises(NotFound) as caught:
        authorise(ACME, use, registered=False, order_id=7, order_platform="Blue Sky")
    assert str(caught.value) == "order 7 does not exist"  # the words of a missing order


@pytest.mark.parametrize("use", sorted(set(Use) - PLATFORM_USES))
def test_a_platform_may_not_decide_fulfil_import_or_manage_admins(use: Use) -> None:
    with pytest.raises(NotAuthorised):
        authorise(ACME, use, registered=True, order_id=7, order_platform="Acme Voice")


def test_the_audit_actor_names_the_principal_and_the_token() -> None:
    assert ADMIN.actor == "dana"
    assert ACME.actor == "platform:Acme Voice#3"
    assert Principal.platform("Blue Sky").actor == "platform:Blue Sky"


# A token's principal knows its platform's id: an order is matched by the id, never the name.
ACME_BY_ID = Principal.platform("Acme Voice", token_id=3, platform_id=1)


@pytest.mark.parametrize("use", sorted(PLATFORM_USES))
def test_a_platform_known_by_id_may_use_the_orders_of_that_id(use: Use) -> None:
    authorise(ACME_BY_ID, use, registered=False, order_id=7, order_platform_id=1)


@pytest.mark.parametrize("use", sorted(PLATFORM_USES))
def test_an_order_of_another_platform_id_is_not_found_whatever_the_name_says(use: Use) -> None:
    with pytest.raises(NotFound) as caught:
        authorise(ACME_BY_ID, use, registered=False, order_id=7, order_platform="Acme Voice",
                  order_platform_id=2)  # fmt: skip
    assert str(caught.value) == "order 7 does not exist"


def test_without_the_orders_platform_a_platforms_order_is_not_found() -> None:
    for principal in (ACME, ACME_BY_ID):
        with pytest.raises(NotFound):
            authorise(principal, Use.READ, registered=False, order_id=7)


def test_a_principal_without_an_id_is_matched_by_name_alone() -> None:
    authorise(ACME, Use.READ, registered=False, order_id=7, order_platform="Acme Voice",
              order_platform_id=2)  # fmt: skip
    with pytest.raises(NotFound):
        authorise(ACME, Use.READ, registered=False, order_id=7, order_platform="Blue Sky",
                  order_platform_id=1)  # fmt: skip
