"""The course site's machinery: reading pages, running their code once, notebooks."""
