"""The expert loop: the review workbook out, decisions back in."""
