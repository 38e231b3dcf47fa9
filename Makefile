.PHONY: test demo dist wheelhouse lint docs

test:  ## install everything, start the storage servers, run every test and build the docs
	bash scripts/test.sh

demo:  ## set up and serve the demo page on SQLite and the local-disk backend
	bash scripts/demo.sh

dist:  ## the core's and the three backends' wheels, at one version, in dist/
	python3 scripts/dist.py

wheelhouse:  ## dist/ plus every dependency's wheel, to install with pip install --no-index
	python3 scripts/dist.py --with-dependencies

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

docs:
	.venv/bin/mkdocs serve
