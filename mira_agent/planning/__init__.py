"""Online subgoal planning: milestones, their progress, and the planner that keeps them."""
