"""An organiser sees, on a person's registration page, the edition's mail to that person."""

from conference import mail
from tests.accreditation.conftest import make_registration
from tests.factories import make_edition, make_user


def test_registration_page_lists_the_persons_mail_for_the_edition(login, db):
    edition = make_edition(2027)
    person = make_user("maria@example.org")
    registration = make_registration(person, edition=edition)
    other_edition = make_edition(2028)
    mail.queue_rendered("maria@example.org", "Elsewhere", "x", edition=other_edition)
    mail.queue_rendered("someone@example.org", "Not hers", "x", edition=edition)
    mail.queue_rendered("MARIA@example.org", "Upper case address", "x", edition=edition)
    db.session.commit()
    organiser = make_user(role="organiser", edition=edition)
    page = login(organiser).get(f"/2027/admin/registrations/{registration.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Mail to this person" in text
    assert "Upper case address" in text
    assert "Elsewhere" not in text and "Not hers" not in text
    # The registration's own confirmation mail is there, with a link to it in the mail log.
    assert "/2027/admin/mail/" in text
