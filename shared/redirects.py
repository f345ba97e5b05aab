"""Where a redirect may send a visitor back to: a path on this site, never another site."""


def local_path(target, default="/"):
    """`target` when it is a path on this site, else `default`.

    Exactly one leading '/', no backslash, and no control or space characters anywhere: browsers drop
    tabs and newlines from a Location, so "/\t/evil.example" would become "//evil.example".
    """
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(c.isspace() or not c.isprintable() for c in target)):
        return target
    return default
