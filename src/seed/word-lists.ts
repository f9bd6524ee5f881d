/**
 * Word lists the generator draws names, titles and places from. Real words (not random letters) so
 * that text queries over seeded data find realistic numbers of hits: "CEO" matches a few percent of
 * contacts, "Harbor" a few percent of leads, a full company name almost exactly one.
 */

export const COMPANY_FIRST = [
  'Acme', 'Apex', 'Atlas', 'Aurora', 'Beacon', 'Birch', 'Blue', 'Bright', 'Cascade', 'Cedar', 'Citadel',
  'Clear', 'Cobalt', 'Copper', 'Crimson', 'Crown', 'Delta', 'Eagle', 'Echo', 'Evergreen', 'Falcon', 'First',
  'Fusion', 'Golden', 'Granite', 'Green', 'Harbor', 'Highland', 'Horizon', 'Iron', 'Ivory', 'Jade', 'Keystone',
  'Lakeside', 'Liberty', 'Lumen', 'Maple', 'Meridian', 'Metro', 'Nimbus', 'North', 'Nova', 'Oak', 'Omega',
  'Orbit', 'Pacific', 'Peak', 'Pine', 'Pioneer', 'Polar', 'Prairie', 'Prime', 'Quantum', 'Quartz', 'Radiant',
  'Red', 'Ridge', 'River', 'Rock', 'Sage', 'Silver', 'Sky', 'Solar', 'Sterling', 'Stone', 'Summit', 'Sun',
  'Swift', 'Terra', 'Titan', 'True', 'Union', 'United', 'Valley', 'Vertex', 'Vista', 'West', 'Willow', 'Zenith',
] as const;

export const COMPANY_SECOND = [
  'Analytics', 'Bakery', 'Biotech', 'Brewing', 'Builders', 'Capital', 'Cloud', 'Consulting', 'Data', 'Dental',
  'Design', 'Digital', 'Dynamics', 'Energy', 'Engineering', 'Farms', 'Finance', 'Fitness', 'Foods', 'Freight',
  'Health', 'Hospitality', 'Insurance', 'Interactive', 'Labs', 'Legal', 'Logistics', 'Machines', 'Manufacturing',
  'Marine', 'Media', 'Medical', 'Motors', 'Networks', 'Outdoors', 'Partners', 'Pharma', 'Printing', 'Realty',
  'Recruiting', 'Robotics', 'Security', 'Software', 'Solutions', 'Studios', 'Supply', 'Systems', 'Telecom',
  'Textiles', 'Therapeutics', 'Travel', 'Ventures', 'Wellness', 'Works',
] as const;

export const COMPANY_SUFFIX = ['Inc', 'LLC', 'Ltd', 'Group', 'Co', 'Corp', 'GmbH', 'Holdings', 'International'] as const;

export const DESCRIPTION_OPENERS = [
  'Family-owned', 'Fast-growing', 'Venture-backed', 'Bootstrapped', 'Publicly traded', 'Regional',
  'Award-winning', 'Independent', 'Employee-owned', 'Established',
] as const;

export const DESCRIPTION_SUBJECTS = [
  'provider of cloud software for small businesses', 'manufacturer of industrial pumps and valves',
  'chain of specialty coffee shops', 'logistics company focused on last-mile delivery',
  'agency building websites for restaurants', 'distributor of medical supplies to clinics',
  'developer of mobile games', 'consultancy advising banks on compliance', 'operator of boutique hotels',
  'maker of organic skincare products', 'firm offering payroll and HR services', 'wholesaler of fresh produce',
  'reseller of networking hardware', 'platform for online language courses', 'builder of solar installations',
  'marketplace for used construction equipment', 'studio producing corporate video', 'network of dental practices',
] as const;

export const FIRST_NAMES = [
  'Aaron', 'Abigail', 'Adam', 'Aisha', 'Alejandro', 'Alex', 'Alice', 'Amara', 'Amelia', 'Ana', 'Andrew', 'Anna',
  'Arjun', 'Ava', 'Benjamin', 'Bruce', 'Camila', 'Carlos', 'Charlotte', 'Chen', 'Chloe', 'Chris', 'Daniel',
  'David', 'Diego', 'Dmitri', 'Elena', 'Eli', 'Elif', 'Emily', 'Emma', 'Ethan', 'Fatima', 'Felix', 'Fiona',
  'Gabriel', 'Grace', 'Hannah', 'Hiro', 'Ines', 'Isaac', 'Isabella', 'Ivan', 'Jack', 'James', 'Jane', 'Jasmine',
  'Javier', 'Jennifer', 'John', 'Jonas', 'Julia', 'Kai', 'Karen', 'Kenji', 'Laura', 'Leila', 'Liam', 'Lucas',
  'Lucy', 'Maria', 'Mark', 'Mateo', 'Maya', 'Mei', 'Michael', 'Mohammed', 'Nadia', 'Natalie', 'Noah', 'Nora',
  'Olivia', 'Omar', 'Oscar', 'Paul', 'Priya', 'Rachel', 'Rafael', 'Ravi', 'Robert', 'Rosa', 'Ryan', 'Sakura',
  'Samuel', 'Sara', 'Sebastian', 'Sofia', 'Sophie', 'Stefan', 'Steven', 'Tariq', 'Thomas', 'Tom', 'Valentina',
  'Victor', 'William', 'Yara', 'Yusuf', 'Zoe',
] as const;

export const LAST_NAMES = [
  'Adams', 'Ahmed', 'Alvarez', 'Anderson', 'Bailey', 'Baker', 'Becker', 'Bennett', 'Brown', 'Campbell', 'Carter',
  'Castillo', 'Chen', 'Clark', 'Collins', 'Cook', 'Cruz', 'Davis', 'Diaz', 'Dubois', 'Edwards', 'Evans',
  'Fernandez', 'Fischer', 'Garcia', 'Gomez', 'Gonzalez', 'Green', 'Gupta', 'Hall', 'Harris', 'Hernandez', 'Hill',
  'Hoffmann', 'Howard', 'Hughes', 'Ito', 'Jackson', 'Johnson', 'Jones', 'Kaur', 'Kelly', 'Khan', 'Kim', 'King',
  'Kowalski', 'Kumar', 'Larsen', 'Lee', 'Lewis', 'Li', 'Lopez', 'Martin', 'Martinez', 'Meyer', 'Miller',
  'Mitchell', 'Moore', 'Morgan', 'Muller', 'Murphy', 'Nakamura', 'Nelson', 'Nguyen', 'Novak', 'Okafor',
  'Olsen', 'Patel', 'Perez', 'Peterson', 'Phillips', 'Ramirez', 'Reed', 'Rivera', 'Roberts', 'Robinson',
  'Rodriguez', 'Rossi', 'Sanchez', 'Sato', 'Schmidt', 'Scott', 'Shah', 'Silva', 'Singh', 'Smith', 'Stewart',
  'Suzuki', 'Tanaka', 'Taylor', 'Thomas', 'Thompson', 'Torres', 'Turner', 'Walker', 'Wang', 'Wayne', 'White',
  'Williams', 'Wilson', 'Wright', 'Yamamoto', 'Young', 'Zhang',
] as const;

/** Titles weighted towards the common ones, as in a real CRM. */
export const TITLES: readonly (readonly [string, number])[] = [
  ['CEO', 6], ['Founder', 3], ['Co-Founder', 2], ['CTO', 3], ['CFO', 2], ['COO', 1], ['President', 2],
  ['VP of Sales', 4], ['VP of Marketing', 3], ['VP of Engineering', 2], ['Head of Operations', 2],
  ['Head of Growth', 2], ['Director of Sales', 4], ['Director of Marketing', 3], ['Director of IT', 2],
  ['Sales Manager', 6], ['Marketing Manager', 5], ['Office Manager', 4], ['Operations Manager', 4],
  ['Product Manager', 4], ['Project Manager', 3], ['Account Executive', 6], ['Account Manager', 4],
  ['Software Engineer', 5], ['Senior Software Engineer', 3], ['Data Analyst', 3], ['Designer', 2],
  ['Customer Success Manager', 3], ['Recruiter', 2], ['Procurement Specialist', 2], ['Owner', 4],
  ['General Manager', 3], ['Executive Assistant', 2], ['Consultant', 2], ['Purchasing Manager', 2],
];

export const PERSONAL_EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'proton.me'] as const;

export const EMAIL_TYPES = ['office', 'office', 'office', 'home', 'other'] as const;
export const PHONE_TYPES = ['office', 'office', 'mobile', 'mobile', 'home', 'direct', 'fax'] as const;

/** City, state, zip prefix, country, phone country code, national number length. */
export const PLACES: readonly (readonly [string, string, string, string, string])[] = [
  ['New York', 'NY', '100', 'US', '+1'], ['San Francisco', 'CA', '941', 'US', '+1'], ['Austin', 'TX', '787', 'US', '+1'],
  ['Chicago', 'IL', '606', 'US', '+1'], ['Seattle', 'WA', '981', 'US', '+1'], ['Boston', 'MA', '021', 'US', '+1'],
  ['Denver', 'CO', '802', 'US', '+1'], ['Miami', 'FL', '331', 'US', '+1'], ['Atlanta', 'GA', '303', 'US', '+1'],
  ['Portland', 'OR', '972', 'US', '+1'], ['Toronto', 'ON', 'M5V', 'CA', '+1'], ['Vancouver', 'BC', 'V6B', 'CA', '+1'],
  ['London', '', 'EC1', 'GB', '+44'], ['Manchester', '', 'M1', 'GB', '+44'], ['Berlin', '', '101', 'DE', '+49'],
  ['Munich', '', '803', 'DE', '+49'], ['Paris', '', '750', 'FR', '+33'], ['Amsterdam', '', '101', 'NL', '+31'],
  ['Madrid', '', '280', 'ES', '+34'], ['Prague', '', '110', 'CZ', '+420'], ['Sydney', 'NSW', '200', 'AU', '+61'],
  ['Singapore', '', '018', 'SG', '+65'],
];

export const STREETS = [
  'Main St', 'Market St', 'Broadway', 'Oak Ave', 'Park Ave', 'High Street', 'Elm St', 'Mission St', 'King St',
  'Church Rd', 'Station Rd', 'Lake Shore Dr', 'Sunset Blvd', 'River Rd', 'Hauptstrasse', 'Rue de Rivoli',
] as const;

export const REFERRAL_SOURCES = [
  'Webinar signup', 'Trade show booth', 'Partner referral', 'Cold outbound', 'Inbound demo request',
  'Newsletter', 'Customer referral', 'LinkedIn ad', 'Google search', 'Podcast sponsorship',
] as const;

export const NICKNAMES = ['Ace', 'Bobby', 'Doc', 'Jay', 'Kiki', 'Max', 'Sunny', 'Teddy', 'Vee', 'Wiz'] as const;
