"""0.1.0's module path: ``from s3_file_uploads.aws import S3AssetHandler`` keeps working.

The handler is no longer tied to S3; it signs through whichever backend holds the object.
"""

from .asset_handler import AssetHandler

S3AssetHandler = AssetHandler

__all__ = ["S3AssetHandler"]
