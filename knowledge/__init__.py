"""What the assistant knows: offers, FAQ, territory, matching. No dependency on telegram or bot."""
