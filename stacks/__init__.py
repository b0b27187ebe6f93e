"""mlzone stacks: the platform stack, one project stack per team project, and the App that holds them."""
