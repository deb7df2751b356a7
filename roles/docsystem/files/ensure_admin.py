# Run by `docsystem-manage shell --command`, with the administrator's password on stdin: the
# administrator account exists, is a superuser, has the password generated on the controller, and
# the first-login banner (Mayan's autoadmin, which would show the password on the login page) is
# cleared. Prints "changed" when it changed anything.
import os
import sys

from django.contrib.auth import get_user_model
from mayan.apps.autoadmin.models import AutoAdminSingleton

username = os.environ["DOCSYSTEM_ADMIN_USERNAME"]
email = os.environ["DOCSYSTEM_ADMIN_EMAIL"]
password = sys.stdin.readline().rstrip("\n")
changed = False
user, created = get_user_model().objects.get_or_create(username=username)
if created or not user.is_superuser or not user.is_staff or user.email != email:
    user.is_superuser = user.is_staff = True
    user.email = email
    changed = True
if not user.check_password(password):
    user.set_password(password)
    changed = True
if changed:
    user.save()
banner = AutoAdminSingleton.objects.get()
# Mayan shows the banner ("Automatic credentials", with "Password: None" once the password is
# cleared) while it names an account: it names none, so the login page shows only the login.
if banner.account is not None or banner.password or banner.password_hash:
    banner.account = None
    banner.password = banner.password_hash = None
    banner.save()
    changed = True
print("changed" if changed else "ok")
