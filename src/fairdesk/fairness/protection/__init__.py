"""Staff protection (rule 6): abusive text masked in every staff view, exposure to abuse
measured per agent, routing that spreads it, and a senior queue for customers a manager
chose to route there. The customer's messages are never changed or dropped (rule 1).
"""
