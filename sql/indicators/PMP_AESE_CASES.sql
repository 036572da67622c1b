-- PMP_AESE_CASES: AESE cases registered by the public prosecution, per year, as PMP publishes
-- them. Where the published components do not add up to the published total, the total is kept
-- and the observation says so.
select
    cast(year as varchar) as period,
    cases as value,
    case
        when under_investigation + under_instruction + closed + referred_incompetence
            + persons_prosecuted <> cases
            then concat(
                'As published by PMP. The components (prosecuted, under investigation, under ',
                'instruction, closed, referred) add up to ',
                cast(under_investigation + under_instruction + closed + referred_incompetence
                    + persons_prosecuted as varchar),
                ', not ', cast(cases as varchar), '.'
            )
    end as obs_comment
from pmp_case_table
