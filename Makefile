.PHONY: test demo lint docs

test:  ## install everything, start the storage servers, run every test and build the docs
	bash scripts/test.sh

demo:  ## set up and serve the demo page on SQLite and the local-disk backend
	bash scripts/demo.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

docs:
	.venv/bin/mkdocs serve
